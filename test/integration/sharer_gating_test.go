//go:build linux

package integration_test

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// controlAnswers returns the control envelopes the helper got, in order.
func (h *helperSide) controlAnswers() []wire.Envelope {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []wire.Envelope
	for _, e := range h.envs {
		if e.Type == wire.TypeControl {
			out = append(out, e)
		}
	}
	return out
}

// Audit findings 3 and 8: no stroke is drawn while the control question is
// pending; the cursor is held back while paused, even from a viewer that
// reconnects then; a helper who asks for control again right after a
// refusal is told to wait (5 s, then 10 s) without the sharer being asked.
func TestPauseGatesCursorAndControlBacksOff(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	x := startScreen(t, ctx, 1920, 1080)
	xc, err := x11.Dial(x.Display)
	if err != nil {
		t.Fatal(err)
	}
	defer xc.Close()
	moveMouse := func(px, py string) {
		cmd := exec.Command("xdotool", "mousemove", px, py)
		cmd.Env = append(os.Environ(), "DISPLAY="+x.Display)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool mousemove: %v %s", err, out)
		}
	}

	env := servertest.Start(t)
	api, token := signInHelper(t, ctx, env)
	created, err := api.CreateSession(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	h := connectHelper(ctx, t, api, created.SessionID, created.Token)
	defer func() { h.close() }()

	d, err := sharer.New(sharer.Config{ServerURL: env.URL, Display: x.Display, PeerSettings: loopbackICE})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	events, unsubscribe := d.Subscribe()
	defer unsubscribe()
	var evMu sync.Mutex
	controlPrompts := 0
	go func() {
		for ev := range events {
			if ev.Type == wire.EventControlRequest {
				evMu.Lock()
				controlPrompts++
				evMu.Unlock()
			}
		}
	}()
	prompts := func() int {
		evMu.Lock()
		defer evMu.Unlock()
		return controlPrompts
	}
	do := func(cmd string) {
		t.Helper()
		if resp := d.Do(ctx, wire.LocalRequest{Cmd: cmd}); !resp.OK {
			t.Fatalf("%s: %q", cmd, resp.Error)
		}
	}
	if err := d.Join(ctx, created.Code, ""); err != nil {
		t.Fatalf("join: %v", err)
	}
	do(wire.LocalAllow)
	moveMouse("100", "100")
	eventually(t, "the cursor shape", 15*time.Second, func() bool {
		return h.sawCursor(func(c wire.Cursor) bool { return c.T == wire.CursorShape })
	})

	// Control: asked, refused; asked again at once: "wait", the sharer is
	// not asked; after the wait asked again, refused, then a longer wait.
	ask := func() { h.sess.Send(ctx, wire.Envelope{Type: wire.TypeControlRequest}) }
	answers := func(n int) []wire.Envelope {
		t.Helper()
		eventually(t, "a control answer", 10*time.Second, func() bool { return len(h.controlAnswers()) >= n })
		return h.controlAnswers()
	}
	ask()
	eventually(t, "control requested", 10*time.Second, func() bool { return d.Status().Control == wire.ControlRequested })
	// While the question is pending the helper's strokes are dropped.
	stroke := func(id uint32, y float64) {
		if err := h.v.SendAnnotation(wire.Annotation{T: wire.AnnotateStroke, ID: id, Color: "#ff00ff", Width: 8,
			Points: []wire.Point{{X: 0.1, Y: y}, {X: 0.9, Y: y}}, Done: true}); err != nil {
			t.Fatal(err)
		}
	}
	stroke(1, 0.25)
	time.Sleep(time.Second)
	if got := rootPixel(t, xc, 960, 270); got == 0xff00ff {
		t.Fatal("a stroke was drawn while the control question was pending")
	}
	do(wire.LocalDenyControl)
	stroke(2, 0.75) // answered: strokes show again
	eventually(t, "a stroke after the answer", 10*time.Second, func() bool { return rootPixel(t, xc, 960, 810) == 0xff00ff })
	if rootPixel(t, xc, 960, 270) == 0xff00ff {
		t.Fatal("the stroke sent while the question was pending was drawn later")
	}
	if a := answers(1)[0]; a.State != wire.StateDenied || a.Reason != "" {
		t.Fatalf("first answer = %+v, want a plain denial", a)
	}
	ask()
	a := answers(2)[1]
	if a.State != wire.StateDenied || a.Reason != wire.ReasonControlWait || a.RetryAfter < 1 || a.RetryAfter > 5 {
		t.Fatalf("answer to a request right after the refusal = %+v, want denied %q with 1–5 s", a, wire.ReasonControlWait)
	}
	if p, c := prompts(), d.Status().Control; p != 1 || c != wire.ControlNone {
		t.Fatalf("after the early request: %d prompts, control %q; want the sharer asked once, control none", p, c)
	}
	time.Sleep(time.Duration(a.RetryAfter) * time.Second)
	ask()
	eventually(t, "control requested after the wait", 10*time.Second, func() bool { return d.Status().Control == wire.ControlRequested })
	do(wire.LocalDenyControl)
	answers(3)
	ask()
	if a := answers(4)[3]; a.Reason != wire.ReasonControlWait || a.RetryAfter < 6 || a.RetryAfter > 10 {
		t.Fatalf("answer after the second refusal = %+v, want %q with 6–10 s", a, wire.ReasonControlWait)
	}

	// Pause, then the helper's viewer reconnects: it gets a connection but
	// no cursor, even while the pointer moves, until the sharer resumes.
	do(wire.LocalPause)
	eventually(t, "helper sees pause", 10*time.Second, func() bool { return h.sawType(wire.TypePause, "") })
	h.close()
	eventually(t, "the sharer sees the helper leave", 10*time.Second, func() bool { return !d.Status().Connected })
	h = connectHelper(ctx, t, api, created.SessionID, created.Token)
	eventually(t, "the new viewer's channels open", 20*time.Second, func() bool {
		return h.v.SendInput(wire.InputEvent{T: wire.InputMove, X: 0.5, Y: 0.5}) == nil
	})
	for i := range 5 {
		moveMouse(string(rune('2'+i))+"00", "300")
		time.Sleep(200 * time.Millisecond)
	}
	if h.sawCursor(func(wire.Cursor) bool { return true }) {
		t.Fatal("a viewer that reconnected while paused got the cursor")
	}
	do(wire.LocalResume)
	eventually(t, "the cursor shape after resume", 10*time.Second, func() bool {
		return h.sawCursor(func(c wire.Cursor) bool { return c.T == wire.CursorShape && len(c.PNG) > 0 })
	})
	eventually(t, "the cursor position after resume", 10*time.Second, func() bool {
		return h.sawCursor(func(c wire.Cursor) bool { return c.T == wire.CursorPosition && c.Visible })
	})
}
