// Package x11 is the daemon's one way into an X server: every package of
// the daemon that talks X11 (capture, input, overlay, hotkey) connects with
// Dial and turns on extensions with Enable, and nothing else under daemon/
// calls xgb.NewConn* (daemon/platform_test.go enforces it).
//
// The reason is process-wide state inside jezek/xgb that every open
// connection's reader goroutine reads without a lock:
//   - xgb.Logger, which logs "Could not get authority info" on every
//     connection; replacing it while another connection is open is a data
//     race, so Quiet replaces it exactly once per process, before the first
//     connection;
//   - xgb.NewEventFuncs and xgb.NewErrorFuncs, the maps that decode
//     extension events and errors, which each extension's Init writes. A
//     second Init on a new connection while an older connection decodes an
//     event is a concurrent map read and write. Dial therefore registers
//     every extension the daemon uses on the process's first connection,
//     and Enable afterwards only tells a connection its extension opcodes.
//
// One X11 client escapes this: kbinani/screenshot, behind
// capture.NewPolling, connects and runs XINERAMA and MIT-SHM Init on every
// grab. On Linux the daemon never uses it (capture.New is the X11 source);
// it is the capture of other Unix systems, where nothing else talks X11.
//
// Windows does not use this package (see daemon/win32).
package x11

import (
	"errors"
	"fmt"
	"io"
	"log"
	"sync"

	"github.com/jezek/xgb"
)

// Errors returned by Dial and Enable; callers wrap them into their own
// ErrNoDisplay or ErrUnsupported.
var (
	ErrConnect   = errors.New("x11: cannot connect to X display")
	ErrExtension = errors.New("x11: X extension unavailable")
)

var quiet sync.Once

// Quiet silences xgb's logger; call it before code that connects with xgb
// outside this package (kbinani/screenshot in the polling capture) starts.
func Quiet() { quiet.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) }) }

// Dial connects to display ("" means $DISPLAY). The first successful Dial
// of the process also registers the decoders of every Extension the server
// has, before the connection is handed out.
func Dial(display string) (*xgb.Conn, error) {
	Quiet()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConnect, err)
	}
	prime(c)
	return c, nil
}
