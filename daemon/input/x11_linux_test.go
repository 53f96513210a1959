package input

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"
	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/wire"
)

// x11Session is a real Xvfb, a recording client, the X11 injector, a real
// consent gate with the screen allowed, and a Handler over them.
type x11Session struct {
	display string
	rec     *xRecorder
	inj     *X11
	gate    *consent.Gate
	h       *Handler
}

func newX11Session(t *testing.T) *x11Session {
	t.Helper()
	s := &x11Session{display: startXvfb(t)}
	s.rec = newXRecorder(t, s.display)
	inj, err := NewX11(X11Config{Display: s.display})
	if err != nil {
		t.Fatalf("NewX11: %v", err)
	}
	t.Cleanup(func() { _ = inj.Close() })
	s.inj = inj
	if s.gate, err = consent.New(consent.Config{}); err != nil {
		t.Fatal(err)
	}
	if err := s.gate.AllowScreen(); err != nil {
		t.Fatal(err)
	}
	s.h, err = New(Config{Injector: inj, Gate: s.gate, Monitor: func() wire.Monitor { return fullHD }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.h.Close() })
	return s
}

func (s *x11Session) grant(t *testing.T) {
	t.Helper()
	if err := s.gate.RequestControl(); err != nil {
		t.Fatal(err)
	}
	if err := s.gate.AllowControl(); err != nil {
		t.Fatal(err)
	}
}

func (s *x11Session) send(msgs ...string) {
	for _, m := range msgs {
		ch := wire.ChannelInput
		if len(m) > 10 && m[:10] == `{"t":"move` {
			ch = wire.ChannelPointer
		}
		s.h.HandleMessage(ch, []byte(m))
	}
}

func tap(code string) []string {
	return []string{fmt.Sprintf(`{"t":"keydown","c":%q}`, code), fmt.Sprintf(`{"t":"keyup","c":%q}`, code)}
}

// settle gives the X server and the recorder time to deliver anything that
// was (wrongly) injected; used only before asserting that nothing happened.
func settle(t *testing.T, s *x11Session) {
	t.Helper()
	// A round trip through the recorder's connection orders us after every
	// event the server generated so far; the sleep lets its reader queue
	// them.
	s.rec.pointer(t)
	time.Sleep(200 * time.Millisecond)
}

func TestX11NothingBeforeControl(t *testing.T) {
	s := newX11Session(t)
	x0, y0, _ := s.rec.pointer(t)
	if x0 == 480 && y0 == 540 {
		t.Fatalf("pointer starts at the target (480,540); the test could not fail")
	}
	s.send(`{"t":"move","x":0.25,"y":0.5}`, `{"t":"down","b":0,"x":0.1,"y":0.1}`, `{"t":"up","b":0,"x":0.1,"y":0.1}`)
	s.send(tap("KeyA")...)
	s.send(`{"t":"text","s":"x"}`, `{"t":"wheel","dy":3}`)
	// Control requested but not allowed is still view-only.
	if err := s.gate.RequestControl(); err != nil {
		t.Fatal(err)
	}
	s.send(`{"t":"move","x":0.25,"y":0.5}`)
	settle(t, s)
	if x, y, _ := s.rec.pointer(t); x != x0 || y != y0 {
		t.Fatalf("pointer moved to %d,%d before control, want %d,%d", x, y, x0, y0)
	}
	if x, y, ok := xdotoolLocation(t, s.display); ok && (x != x0 || y != y0) {
		t.Fatalf("xdotool: pointer moved to %d,%d before control, want %d,%d", x, y, x0, y0)
	}
	if ev := s.rec.snapshot(); len(ev) != 0 {
		t.Fatalf("recorder saw %v before control", ev)
	}
	if inj, dropped, rej := s.h.Stats(); inj != 0 || dropped != 8 || rej != 0 {
		t.Fatalf("stats %d/%d/%d, want 0 injected 8 dropped 0 rejected", inj, dropped, rej)
	}
}

func TestX11PointerKeysText(t *testing.T) {
	s := newX11Session(t)
	s.grant(t)

	s.send(`{"t":"move","x":0.25,"y":0.5}`)
	if x, y, _ := s.rec.pointer(t); x != 480 || y != 540 {
		t.Fatalf("move (0.25,0.5) landed at %d,%d, want 480,540", x, y)
	}
	if x, y, ok := xdotoolLocation(t, s.display); ok && (x != 480 || y != 540) {
		t.Fatalf("xdotool: move (0.25,0.5) landed at %d,%d, want 480,540", x, y)
	}

	t.Run("click and wheel", func(t *testing.T) {
		n := len(s.rec.snapshot())
		s.send(`{"t":"down","b":0,"x":0.1,"y":0.2}`, `{"t":"up","b":0,"x":0.1,"y":0.2}`,
			`{"t":"down","b":2,"x":0.5,"y":0.5}`, `{"t":"up","b":2,"x":0.5,"y":0.5}`, `{"t":"wheel","dy":2}`)
		want := []xEvent{{kind: "button", button: 1, x: 192, y: 216}, {kind: "button", button: 3, x: 960, y: 540},
			{kind: "button", button: 5, x: 960, y: 540}, {kind: "button", button: 5, x: 960, y: 540}}
		waitFor(t, "4 button presses", func() bool { return len(s.rec.snapshot()) >= n+len(want) })
		if got := s.rec.snapshot()[n:]; !slices.Equal(got, want) {
			t.Fatalf("recorded %+v, want %+v", got, want)
		}
	})

	t.Run("keys", func(t *testing.T) {
		n := len(s.rec.snapshot())
		var msgs []string
		msgs = append(msgs, tap("KeyH")...)
		msgs = append(msgs, tap("KeyI")...)
		msgs = append(msgs, `{"t":"keydown","c":"ShiftLeft"}`)
		msgs = append(msgs, tap("KeyA")...)
		msgs = append(msgs, `{"t":"keyup","c":"ShiftLeft"}`)
		msgs = append(msgs, tap("Digit1")...)
		s.send(msgs...)
		// ShiftLeft itself records its keysym (Shift_L): 5 presses.
		waitFor(t, "5 key presses", func() bool { return len(s.rec.snapshot()) >= n+5 })
		if got := s.rec.text(n); got != "hi\uFFFDA1" {
			t.Fatalf("typed %q, want %q", got, "hi\uFFFDA1")
		}
	})

	t.Run("text", func(t *testing.T) {
		n := len(s.rec.snapshot())
		s.send(`{"t":"text","s":"é€✓"}`)
		waitFor(t, "3 characters", func() bool { return len(s.rec.snapshot()) >= n+3 })
		if got := s.rec.text(n); got != "é€✓" {
			t.Fatalf("text typed %q, want %q", got, "é€✓")
		}
		// Again: the bindings are reused.
		s.send(`{"t":"text","s":"✓é"}`)
		waitFor(t, "2 more characters", func() bool { return len(s.rec.snapshot()) >= n+5 })
		if got := s.rec.text(n + 3); got != "✓é" {
			t.Fatalf("second text typed %q, want %q", got, "✓é")
		}
		// Line breaks and tabs press the Return and Tab keys.
		s.send(`{"t":"text","s":"a\r\nb\tc"}`)
		waitFor(t, "5 more characters", func() bool { return len(s.rec.snapshot()) >= n+10 })
		if got := s.rec.text(n + 5); got != "a\nb\tc" {
			t.Fatalf("text with line break typed %q, want %q", got, "a\nb\tc")
		}
	})

	t.Run("sharer layout applies", func(t *testing.T) {
		if _, err := exec.LookPath("setxkbmap"); err != nil {
			t.Skip("setxkbmap not installed (Debian package x11-xkb-utils)")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "setxkbmap", "-display", s.display, "de").CombinedOutput(); err != nil {
			t.Fatalf("setxkbmap de: %v: %s", err, out)
		}
		n := len(s.rec.snapshot())
		var msgs []string
		msgs = append(msgs, tap("KeyZ")...)
		msgs = append(msgs, tap("KeyY")...)
		s.send(msgs...)
		waitFor(t, "2 key presses", func() bool { return len(s.rec.snapshot()) >= n+2 })
		if got := s.rec.text(n); got != "yz" {
			t.Fatalf("KeyZ KeyY with layout de typed %q, want %q", got, "yz")
		}
		// Text still works after the map was replaced.
		s.send(`{"t":"text","s":"€"}`)
		waitFor(t, "1 character", func() bool { return len(s.rec.snapshot()) >= n+3 })
		if got := s.rec.text(n + 2); got != "€" {
			t.Fatalf("text after setxkbmap typed %q, want %q", got, "€")
		}
	})
}

func TestX11RevokeReleasesAndBlocks(t *testing.T) {
	s := newX11Session(t)
	s.grant(t)
	s.send(`{"t":"move","x":0.5,"y":0.5}`, `{"t":"keydown","c":"ShiftLeft"}`, `{"t":"keydown","c":"KeyQ"}`,
		`{"t":"down","b":0,"x":0.5,"y":0.5}`, `{"t":"down","b":2,"x":0.5,"y":0.5}`)
	buttons := uint16(xproto.ButtonMask1 | xproto.ButtonMask2 | xproto.ButtonMask3 | xproto.ButtonMask4 | xproto.ButtonMask5)
	shiftKC, _ := X11KeyCode("ShiftLeft")
	qKC, _ := X11KeyCode("KeyQ")
	if down := s.rec.keysDown(t); !slices.Contains(down, int(shiftKC)) || !slices.Contains(down, int(qKC)) {
		t.Fatalf("keys down %v, want %d and %d held", down, shiftKC, qKC)
	}
	if _, _, mask := s.rec.pointer(t); mask&buttons != xproto.ButtonMask1|xproto.ButtonMask3 {
		t.Fatalf("button mask %#x, want buttons 1 and 3 held", mask&buttons)
	}

	if err := s.gate.RevokeControl(); err != nil {
		t.Fatal(err)
	}
	if down := s.rec.keysDown(t); len(down) != 0 {
		t.Fatalf("keys still down after revoke: %v", down)
	}
	if _, _, mask := s.rec.pointer(t); mask&buttons != 0 {
		t.Fatalf("buttons still held after revoke: mask %#x", mask&buttons)
	}

	settle(t, s)
	n := len(s.rec.snapshot())
	x0, y0, _ := s.rec.pointer(t)
	_, dropped0, _ := s.h.Stats()
	for i := range 1000 {
		switch i % 5 {
		case 0:
			s.send(fmt.Sprintf(`{"t":"move","x":%v,"y":0.1}`, float64(i)/1000))
		case 1:
			s.send(`{"t":"keydown","c":"KeyW"}`)
		case 2:
			s.send(`{"t":"down","b":0,"x":0.3,"y":0.3}`)
		case 3:
			s.send(`{"t":"text","s":"é"}`)
		case 4:
			s.send(`{"t":"wheel","dy":1}`)
		}
	}
	settle(t, s)
	if got := s.rec.snapshot()[n:]; len(got) != 0 {
		t.Fatalf("after revoke the recorder saw %d events: %+v", len(got), got)
	}
	if x, y, mask := s.rec.pointer(t); x != x0 || y != y0 || mask&buttons != 0 {
		t.Fatalf("after revoke pointer at %d,%d mask %#x, want %d,%d and no buttons", x, y, mask, x0, y0)
	}
	if down := s.rec.keysDown(t); len(down) != 0 {
		t.Fatalf("keys down after revoke flood: %v", down)
	}
	if _, dropped, _ := s.h.Stats(); dropped-dropped0 != 1000 {
		t.Fatalf("dropped %d events after revoke, want 1000", dropped-dropped0)
	}
}

func TestX11InjectorDirect(t *testing.T) {
	display := startXvfb(t)
	rec := newXRecorder(t, display)
	inj, err := NewX11(X11Config{Display: display})
	if err != nil {
		t.Fatal(err)
	}
	if err := inj.Key(3, true); err == nil {
		t.Error("Key(3) below the minimum keycode succeeded, want error")
	}
	if err := inj.Button(0, true); err == nil {
		t.Error("Button(0) succeeded, want error")
	}
	if err := inj.MoveAbs(-50, 99999); err != nil {
		t.Fatalf("MoveAbs off screen: %v", err)
	}
	if x, y, _ := rec.pointer(t); x != 0 || y != 1079 {
		t.Fatalf("MoveAbs(-50, 99999) at %d,%d, want clamped to 0,1079", x, y)
	}
	if err := inj.Text("€"); err != nil {
		t.Fatal(err)
	}
	if err := inj.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Close restored the spare keycode: no keycode carries the euro keysym.
	rep, err := xproto.GetKeyboardMapping(rec.conn, 8, 248).Reply()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(rep.Keysyms, xproto.Keysym(RuneKeysym('€'))) {
		t.Fatal("euro keysym still bound after Close")
	}
	if err := inj.MoveAbs(1, 1); err == nil {
		t.Fatal("MoveAbs after Close succeeded, want error")
	}
}

func TestRuneKeysym(t *testing.T) {
	tests := []struct {
		r    rune
		want uint32
	}{
		{'a', 'a'}, {'~', '~'}, {'é', 0xe9}, {'ÿ', 0xff}, {'€', 0x010020ac}, {'✓', 0x01002713}, {'😀', 0x0101f600},
	}
	for _, tt := range tests {
		if got := RuneKeysym(tt.r); got != tt.want {
			t.Errorf("RuneKeysym(%q) = %#x, want %#x", tt.r, got, tt.want)
		}
	}
}
