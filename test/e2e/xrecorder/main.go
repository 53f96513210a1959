// Command xrecorder is an X client for end-to-end tests: it maps one window
// at a given place and prints every key press (as the character the
// sharer's keyboard layout gives) and button press on it as JSON lines, so a
// test can check that the helper's input really reached an application.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

type record struct {
	Kind   string `json:"kind"` // "key", "button" or "ready"
	Char   string `json:"char,omitempty"`
	Keysym uint32 `json:"keysym,omitempty"`
	Button int    `json:"button,omitempty"`
	X      int    `json:"x,omitempty"`
	Y      int    `json:"y,omitempty"`
}

func main() {
	display := flag.String("display", os.Getenv("DISPLAY"), "X display")
	x := flag.Int("x", 0, "window x")
	y := flag.Int("y", 0, "window y")
	w := flag.Int("w", 400, "window width")
	h := flag.Int("h", 300, "window height")
	flag.Parse()
	xgb.Logger = log.New(io.Discard, "", 0)
	if err := run(*display, *x, *y, *w, *h); err != nil {
		fmt.Fprintln(os.Stderr, "xrecorder:", err)
		os.Exit(1)
	}
}

func run(display string, x, y, w, h int) error {
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return err
	}
	defer c.Close()
	setup := xproto.Setup(c)
	screen := setup.DefaultScreen(c)
	win, err := xproto.NewWindowId(c)
	if err != nil {
		return err
	}
	mask := uint32(xproto.CwBackPixel | xproto.CwOverrideRedirect | xproto.CwEventMask)
	values := []uint32{screen.WhitePixel, 1, xproto.EventMaskKeyPress | xproto.EventMaskButtonPress | xproto.EventMaskExposure}
	if err := xproto.CreateWindowChecked(c, screen.RootDepth, win, screen.Root, int16(x), int16(y), uint16(w), uint16(h), 0,
		xproto.WindowClassInputOutput, screen.RootVisual, mask, values).Check(); err != nil {
		return err
	}
	if err := xproto.MapWindowChecked(c, win).Check(); err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(record{Kind: "ready"})
	for {
		ev, xerr := c.WaitForEvent()
		if ev == nil && xerr == nil {
			return nil
		}
		switch e := ev.(type) {
		case xproto.KeyPressEvent:
			sym := keysym(c, setup, e.Detail, e.State&xproto.ModMaskShift != 0)
			r := record{Kind: "key", Keysym: sym}
			if ch := keysymChar(sym); ch != 0 {
				r.Char = string(ch)
			}
			enc.Encode(r)
		case xproto.ButtonPressEvent:
			enc.Encode(record{Kind: "button", Button: int(e.Detail), X: int(e.EventX), Y: int(e.EventY)})
		}
	}
}

// keysym looks the keycode up in the server's current keyboard mapping, so
// the layout in force (e.g. setxkbmap de) decides the character.
func keysym(c *xgb.Conn, setup *xproto.SetupInfo, kc xproto.Keycode, shift bool) uint32 {
	r, err := xproto.GetKeyboardMapping(c, kc, 1).Reply()
	if err != nil || len(r.Keysyms) == 0 {
		return 0
	}
	if shift && len(r.Keysyms) > 1 && r.Keysyms[1] != 0 {
		return uint32(r.Keysyms[1])
	}
	return uint32(r.Keysyms[0])
}

// keysymChar maps Latin-1 and Unicode keysyms to characters.
func keysymChar(sym uint32) rune {
	switch {
	case sym >= 0x20 && sym <= 0xff:
		return rune(sym)
	case sym >= 0x01000100 && sym <= 0x0110ffff:
		return rune(sym - 0x01000000)
	case sym == 0xff0d:
		return '\n'
	}
	return 0
}
