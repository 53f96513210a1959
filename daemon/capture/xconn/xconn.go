// Package xconn opens X11 connections with jezek/xgb. It exists because
// xgb logs "Could not get authority info" on every connection through a
// package-global logger: replacing that logger while another connection's
// reader goroutine uses it is a data race, so every package of this module
// that talks X11 should connect through Dial, which silences it exactly
// once per process.
package xconn

import (
	"fmt"
	"io"
	"log"
	"sync"

	"github.com/jezek/xgb"
)

var quiet sync.Once

// Quiet silences xgb's logger; call it before code that connects with xgb
// directly (such as kbinani/screenshot) starts.
func Quiet() { quiet.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) }) }

// Dial connects to display ("" means $DISPLAY).
func Dial(display string) (*xgb.Conn, error) {
	Quiet()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("xconn: connect to X display: %w", err)
	}
	return c, nil
}
