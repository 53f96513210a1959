package hotkey

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
)

// startX starts a private Xvfb on display n (this package uses :140–:144)
// and skips the test when Xvfb or xdotool is missing.
func startX(t *testing.T, n int) *xvfb.Server {
	t.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed: it types the shortcut on the test X server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := xvfb.Start(ctx, n, 640, 480)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		t.Skip("Xvfb not installed: the hotkey is tested against a real X server")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// xdotool runs xdotool against the test display.
func xdotool(t *testing.T, display string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
}

// counter counts OnPress calls.
type counter chan struct{}

func newCounter() counter { return make(counter, 64) }

func (c counter) onPress() {
	select {
	case c <- struct{}{}:
	default: // more presses than any test makes: the count check fails anyway
	}
}

// expect waits for n presses, then checks that no more arrive during a
// quiet period. A slow machine can only make the quiet period shorter
// than needed, never fail a correct hotkey.
func (c counter) expect(t *testing.T, what string, n int) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("%s: OnPress called %d times, want %d", what, i, n)
		}
	}
	select {
	case <-c:
		t.Fatalf("%s: OnPress called more than %d times", what, n)
	case <-time.After(400 * time.Millisecond):
	}
}

// lockState reads which modifiers are on, to check that a lock toggle
// took effect before the shortcut is typed.
func lockState(t *testing.T, display string) uint16 {
	t.Helper()
	c, err := x11.Dial(display)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	r, err := xproto.QueryPointer(c, root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	return r.Mask & (xproto.ModMaskLock | xproto.ModMask2)
}

func TestShortcutX11(t *testing.T) {
	s := startX(t, 140)
	before := runtime.NumGoroutine()
	presses := newCounter()
	h, err := Register(Config{Display: s.Display, OnPress: presses.onPress})
	if err != nil {
		t.Fatalf("Register(%q) = %v", s.Display, err)
	}
	closed := false
	defer func() {
		if !closed {
			h.Close()
		}
	}()

	t.Run("fires once", func(t *testing.T) {
		xdotool(t, s.Display, "key", "ctrl+alt+shift+s")
		presses.expect(t, "ctrl+alt+shift+s", 1)
	})
	t.Run("other keys do not fire", func(t *testing.T) {
		xdotool(t, s.Display, "key", "s", "ctrl+s", "alt+s", "ctrl+alt+s", "shift+s", "ctrl+alt+shift+d")
		presses.expect(t, "s, ctrl+s, alt+s, ctrl+alt+s, shift+s, ctrl+alt+shift+d", 0)
	})
	t.Run("held key fires once", func(t *testing.T) {
		// Longer than the server's auto-repeat delay (660 ms in Xvfb).
		xdotool(t, s.Display, "keydown", "ctrl+alt+shift+s", "sleep", "1.2", "keyup", "ctrl+alt+shift+s")
		presses.expect(t, "ctrl+alt+shift+s held", 1)
	})
	locks := []struct {
		name string
		keys []string
		mask uint16
	}{
		{"caps lock", []string{"Caps_Lock"}, xproto.ModMaskLock},
		{"num lock", []string{"Num_Lock"}, xproto.ModMask2},
		{"caps and num lock", []string{"Caps_Lock", "Num_Lock"}, xproto.ModMaskLock | xproto.ModMask2},
	}
	for _, tc := range locks {
		t.Run(tc.name, func(t *testing.T) {
			xdotool(t, s.Display, append([]string{"key"}, tc.keys...)...)
			defer xdotool(t, s.Display, append([]string{"key"}, tc.keys...)...) // toggle back off
			if got := lockState(t, s.Display); got != tc.mask {
				t.Fatalf("lock modifiers after %v = %#x, want %#x", tc.keys, got, tc.mask)
			}
			xdotool(t, s.Display, "key", "ctrl+alt+shift+s")
			presses.expect(t, "ctrl+alt+shift+s with "+tc.name, 1)
		})
	}
	t.Run("second register is refused", func(t *testing.T) {
		h2, err := Register(Config{Display: s.Display, OnPress: func() {}})
		if err == nil {
			h2.Close()
		}
		if !errors.Is(err, ErrTaken) {
			t.Fatalf("second Register(%q) = %v, want %v", s.Display, err, ErrTaken)
		}
		// The refused attempt must not have disturbed the first grab.
		xdotool(t, s.Display, "key", "ctrl+alt+shift+s")
		presses.expect(t, "ctrl+alt+shift+s after a refused Register", 1)
	})

	t.Run("close", func(t *testing.T) {
		returned := make(chan struct{})
		go func() { h.Close(); close(returned) }()
		select {
		case <-returned:
		case <-time.After(15 * time.Second):
			t.Fatal("Close did not return")
		}
		closed = true
		h.Close() // a second Close is harmless
		xdotool(t, s.Display, "key", "ctrl+alt+shift+s")
		presses.expect(t, "ctrl+alt+shift+s after Close", 0)
		// Close released the grab: another client gets the shortcut.
		h2, err := Register(Config{Display: s.Display, OnPress: func() {}})
		if err != nil {
			t.Fatalf("Register after Close = %v, want nil", err)
		}
		h2.Close()
	})

	if !closed {
		return // a subtest failed before Close
	}
	// No goroutine leak: the hotkey's and the X connection's goroutines
	// have all returned once Close has.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines after Close = %d, want at most %d\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// A keyboard mapping change can move S to another key; the hotkey must
// follow it.
func TestShortcutFollowsMappingChange(t *testing.T) {
	if _, err := exec.LookPath("xmodmap"); err != nil {
		t.Skip("xmodmap not installed: it changes the test keyboard mapping")
	}
	s := startX(t, 141)
	presses := newCounter()
	h, err := Register(Config{Display: s.Display, OnPress: presses.onPress})
	if err != nil {
		t.Fatalf("Register(%q) = %v", s.Display, err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Swap S and D: S's old keycode (39 in Xvfb's evdev map) now types d.
	cmd := exec.CommandContext(ctx, "xmodmap", "-e", "keycode 39 = d D", "-e", "keycode 40 = s S")
	cmd.Env = append(os.Environ(), "DISPLAY="+s.Display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmodmap: %v: %s", err, out)
	}
	// xdotool looks the keysym up in the new mapping, so it presses
	// keycode 40 for s and 39 for d.
	xdotool(t, s.Display, "key", "ctrl+alt+shift+d")
	presses.expect(t, "ctrl+alt+shift+d on S's old key", 0)
	xdotool(t, s.Display, "key", "ctrl+alt+shift+s")
	presses.expect(t, "ctrl+alt+shift+s on its new key", 1)
}

func TestRegisterNoDisplay(t *testing.T) {
	// :143 is reserved for this package and never started here.
	h, err := Register(Config{Display: ":143", OnPress: func() {}})
	if err == nil {
		h.Close()
	}
	if !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Register(%q) = %v, want %v", ":143", err, ErrNoDisplay)
	}
}
