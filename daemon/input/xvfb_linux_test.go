package input

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
)

// This package may use X displays :95 to :99 in tests.
const firstDisplay, lastDisplay = 95, 99

// startXvfb starts a 1920x1080 Xvfb on a free display of this package and
// returns its name (":95"). The server is stopped when the test ends.
func startXvfb(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for n := firstDisplay; n <= lastDisplay; n++ {
		srv, err := xvfb.Start(ctx, n, 1920, 1080)
		if errors.Is(err, xvfb.ErrNotInstalled) {
			t.Skip("Xvfb not installed (Debian package xvfb): skipping X11 injection test")
		}
		if errors.Is(err, xvfb.ErrInUse) {
			continue
		}
		if err != nil {
			t.Fatalf("xvfb.Start(%d) = %v", n, err)
		}
		t.Cleanup(srv.Close)
		return srv.Display
	}
	t.Fatalf("no free X display between :%d and :%d", firstDisplay, lastDisplay)
	return ""
}

// xEvent is one event seen by the recording client.
type xEvent struct {
	kind   string // "key" or "button"
	keysym uint32
	button int
	x, y   int
}

// xRecorder is a plain X client with a full-screen window that has the
// keyboard focus; it records key presses (as keysyms, looked up through
// the server's current keyboard mapping, so the layout applies) and
// button presses.
type xRecorder struct {
	conn *xgb.Conn
	root xproto.Window
	win  xproto.Window
	done chan struct{}

	mu     sync.Mutex
	events []xEvent
	errs   []error
}

func newXRecorder(t *testing.T, display string) *xRecorder {
	t.Helper()
	conn, err := x11.Dial(display)
	if err != nil {
		t.Fatalf("recorder connect: %v", err)
	}
	screen := xproto.Setup(conn).DefaultScreen(conn)
	win, err := xproto.NewWindowId(conn)
	if err != nil {
		t.Fatal(err)
	}
	r := &xRecorder{conn: conn, root: screen.Root, win: win, done: make(chan struct{})}
	mask := uint32(xproto.EventMaskKeyPress | xproto.EventMaskButtonPress | xproto.EventMaskStructureNotify)
	err = xproto.CreateWindowChecked(conn, screen.RootDepth, win, screen.Root, 0, 0, 1920, 1080, 0,
		xproto.WindowClassInputOutput, screen.RootVisual,
		xproto.CwBackPixel|xproto.CwOverrideRedirect|xproto.CwEventMask,
		[]uint32{screen.WhitePixel, 1, mask}).Check()
	if err != nil {
		t.Fatalf("create window: %v", err)
	}
	mapped := make(chan struct{})
	go r.loop(mapped)
	t.Cleanup(func() {
		conn.Close()
		<-r.done
	})
	if err := xproto.MapWindowChecked(conn, win).Check(); err != nil {
		t.Fatalf("map window: %v", err)
	}
	select {
	case <-mapped:
	case <-time.After(10 * time.Second):
		t.Fatal("recording window never mapped")
	}
	if err := xproto.SetInputFocusChecked(conn, xproto.InputFocusParent, win, xproto.TimeCurrentTime).Check(); err != nil {
		t.Fatalf("focus: %v", err)
	}
	return r
}

func (r *xRecorder) loop(mapped chan struct{}) {
	defer close(r.done)
	for {
		ev, err := r.conn.WaitForEvent()
		if ev == nil && err == nil {
			return
		}
		switch e := ev.(type) {
		case xproto.MapNotifyEvent:
			if e.Window == r.win {
				close(mapped)
			}
		case xproto.KeyPressEvent:
			ks, err := r.keysym(e.Detail, e.State)
			r.mu.Lock()
			if err != nil {
				r.errs = append(r.errs, err)
			} else {
				r.events = append(r.events, xEvent{kind: "key", keysym: ks})
			}
			r.mu.Unlock()
		case xproto.ButtonPressEvent:
			r.mu.Lock()
			r.events = append(r.events, xEvent{kind: "button", button: int(e.Detail), x: int(e.RootX), y: int(e.RootY)})
			r.mu.Unlock()
		}
	}
}

// keysym looks kc up in the mapping the server has now, at level 1 when
// Shift is held.
func (r *xRecorder) keysym(kc xproto.Keycode, state uint16) (uint32, error) {
	rep, err := xproto.GetKeyboardMapping(r.conn, kc, 1).Reply()
	if err != nil {
		return 0, err
	}
	if len(rep.Keysyms) == 0 {
		return 0, errors.New("no keysyms")
	}
	level := 0
	if state&xproto.ModMaskShift != 0 && len(rep.Keysyms) > 1 && rep.Keysyms[1] != 0 {
		level = 1
	}
	return uint32(rep.Keysyms[level]), nil
}

func (r *xRecorder) snapshot() []xEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]xEvent(nil), r.events...)
}

// text returns the characters of the recorded key events.
func (r *xRecorder) text(from int) string {
	var s []rune
	for _, e := range r.snapshot()[from:] {
		if e.kind == "key" {
			s = append(s, keysymRune(e.keysym))
		}
	}
	return string(s)
}

// keysymRune inverts RuneKeysym for the keysyms these tests produce; other
// keysyms become U+FFFD.
func keysymRune(ks uint32) rune {
	switch {
	case ks >= 0x20 && ks <= 0x7e, ks >= 0xa0 && ks <= 0xff:
		return rune(ks)
	case ks&0xff000000 == 0x01000000:
		return rune(ks & 0xffffff)
	case ks == 0x20ac: // EuroSign
		return '€'
	case ks == keysymReturn:
		return '\n'
	case ks == keysymTab:
		return '\t'
	}
	return '\uFFFD'
}

// pointer returns the pointer position and the mask of held buttons and
// modifiers.
func (r *xRecorder) pointer(t *testing.T) (x, y int, mask uint16) {
	t.Helper()
	rep, err := xproto.QueryPointer(r.conn, r.root).Reply()
	if err != nil {
		t.Fatalf("QueryPointer: %v", err)
	}
	return int(rep.RootX), int(rep.RootY), rep.Mask
}

// keysDown returns the keycodes the server considers pressed.
func (r *xRecorder) keysDown(t *testing.T) []int {
	t.Helper()
	rep, err := xproto.QueryKeymap(r.conn).Reply()
	if err != nil {
		t.Fatalf("QueryKeymap: %v", err)
	}
	var down []int
	for i, b := range rep.Keys {
		for bit := range 8 {
			if b&(1<<bit) != 0 {
				down = append(down, i*8+bit)
			}
		}
	}
	return down
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// xdotoolLocation asks xdotool for the pointer position; ok is false when
// xdotool is not installed.
func xdotoolLocation(t *testing.T, display string) (x, y int, ok bool) {
	t.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		return 0, 0, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", "getmouselocation")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xdotool getmouselocation: %v", err)
	}
	if _, err := fmt.Sscanf(string(out), "x:%d y:%d", &x, &y); err != nil {
		t.Fatalf("xdotool output %q: %v", out, err)
	}
	return x, y, true
}
