package sharer

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/desktop"
	"github.com/quickhelp/quickhelp/daemon/input"
	"github.com/quickhelp/quickhelp/daemon/overlay"
	"github.com/quickhelp/quickhelp/wire"
)

// switchDesktop stands in for OpenInputDesktop (an OS boundary: wine
// reports every desktop as Default): the test sets what it answers.
type switchDesktop struct {
	mu     sync.Mutex
	secure bool
}

func (d *switchDesktop) set(secure bool) {
	d.mu.Lock()
	d.secure = secure
	d.mu.Unlock()
}

func (d *switchDesktop) InputDesktop() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.secure {
		return "", desktop.ErrAccessDenied // what Windows answers for Winlogon's desktop
	}
	return desktop.UserDesktop, nil
}

// keyRecorder stands in for SendInput and counts the keys injected.
type keyRecorder struct {
	mu   sync.Mutex
	down int
	held map[input.KeyCode]bool
}

func (r *keyRecorder) MoveAbs(int, int) error { return nil }
func (r *keyRecorder) Button(int, bool) error { return nil }
func (r *keyRecorder) Wheel(int, int) error   { return nil }
func (r *keyRecorder) Text(string) error      { return nil }
func (r *keyRecorder) Close() error           { return nil }
func (r *keyRecorder) Key(k input.KeyCode, down bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if down {
		r.down++
	}
	r.held[k] = down
	return nil
}

func (r *keyRecorder) state() (downs int, held bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.held {
		held = held || h
	}
	return r.down, held
}

// A Windows prompt (the input desktop is not the user's) holds sharing and
// control without taking control away: a key already held is released,
// the helper's keys are dropped, the helper is told secure-desktop with a
// pause and the sharer's status says so; when the user's desktop is back
// it all resumes by itself. A pause of the sharer's own outlasts the
// prompt, and ending the session during a prompt does not hang.
func TestSecureDesktopHoldsAndResumes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var views []wire.Envelope // pause and resume, in order
	helper := connectHelper(t, ctx, func(e wire.Envelope) {
		if e.Type == wire.TypePause || e.Type == wire.TypeResume {
			mu.Lock()
			views = append(views, e)
			mu.Unlock()
		}
	})
	env, created := helper.env, helper.created
	lastView := func() (wire.Envelope, int) {
		mu.Lock()
		defer mu.Unlock()
		if len(views) == 0 {
			return wire.Envelope{}, 0
		}
		return views[len(views)-1], len(views)
	}

	desk := &switchDesktop{}
	keys := &keyRecorder{held: map[input.KeyCode]bool{}}
	d, err := New(Config{
		ServerURL:    env.URL,
		NewSource:    func(capture.Config) (capture.Source, error) { return capture.NewPattern(64, 48), nil },
		NewInjector:  func(string) (input.Injector, error) { return keys, nil },
		NewOverlay:   func(string, func() wire.Monitor, *slog.Logger) overlay.Overlay { return &hideRecorder{} },
		InputDesktop: desk,
		PeerSettings: loopbackPeers,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Join(ctx, created.Code, ""); err != nil {
		t.Fatal(err)
	}
	do := func(cmd string) wire.LocalResponse { return d.Do(ctx, wire.LocalRequest{Cmd: cmd}) }
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (status %+v)", what, d.Status())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	sess := func() *session {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.sess
	}
	key := func(code string, down bool) {
		typ := wire.InputKeyUp
		if down {
			typ = wire.InputKeyDown
		}
		b, err := json.Marshal(wire.InputEvent{T: typ, Code: code})
		if err != nil {
			t.Fatal(err)
		}
		sess().onData(wire.ChannelInput, b)
	}
	expectView := func(what string, n int, want wire.Envelope) int {
		t.Helper()
		until(what, func() bool { _, got := lastView(); return got >= n })
		if got, _ := lastView(); got.Type != want.Type || got.Reason != want.Reason {
			t.Fatalf("%s: the helper got %s %q, want %s %q", what, got.Type, got.Reason, want.Type, want.Reason)
		}
		return n + 1
	}
	securePause := wire.Envelope{Type: wire.TypePause, Reason: wire.ReasonSecureDesktop}

	if r := do(wire.LocalAllow); !r.OK {
		t.Fatalf("allow = %+v", r)
	}
	helper.waitGranted(t, ctx)
	if err := helper.conn.Send(ctx, wire.Envelope{Type: wire.TypeControlRequest}); err != nil {
		t.Fatal(err)
	}
	until("the control request", func() bool { return d.Status().Control == wire.ControlRequested })
	if r := do(wire.LocalAllowControl); !r.OK {
		t.Fatalf("allow-control = %+v", r)
	}
	key("KeyA", true) // held when the prompt comes
	if downs, held := keys.state(); downs != 1 || !held {
		t.Fatalf("with control: %d key presses, held %v; want KeyA injected and held", downs, held)
	}

	// A UAC prompt.
	desk.set(true)
	until("the secure desktop in the status", func() bool { return d.Status().Desktop == wire.ReasonSecureDesktop })
	next := expectView("the prompt", 1, securePause)
	if _, held := keys.state(); held {
		t.Error("a key held when the prompt came is still held")
	}
	if g := sess().gate; g.MaySend() || g.MayInject() {
		t.Errorf("during the prompt MaySend %v, MayInject %v; want both false", g.MaySend(), g.MayInject())
	}
	if st := d.Status(); st.Control != wire.ControlGranted || st.State != wire.SharerSharing {
		t.Errorf("during the prompt the status is %+v; want sharing with control still granted", st)
	}
	key("KeyB", true)
	key("KeyB", false)
	if downs, _ := keys.state(); downs != 1 {
		t.Errorf("%d keys injected during the prompt", downs-1)
	}

	// Back on the user's desktop: everything resumes, control included.
	desk.set(false)
	until("the desktop back in the status", func() bool { return d.Status().Desktop == "" })
	next = expectView("the desktop back", next, wire.Envelope{Type: wire.TypeResume})
	key("KeyC", true)
	key("KeyC", false)
	if downs, _ := keys.state(); downs != 2 {
		t.Errorf("after the prompt %d key presses in all, want 2 (control resumed by itself)", downs)
	}

	// The sharer pauses during a prompt: the helper still sees why (the
	// prompt); resume while it is up keeps the pause; after it, the
	// sharer's own pause holds.
	desk.set(true)
	next = expectView("the second prompt", next, securePause)
	if r := do(wire.LocalPause); !r.OK {
		t.Fatalf("pause during the prompt = %+v", r)
	}
	next = expectView("a pause during the prompt", next, securePause)
	if r := do(wire.LocalResume); !r.OK {
		t.Fatalf("resume during the prompt = %+v", r)
	}
	next = expectView("a resume during the prompt", next, securePause)
	if r := do(wire.LocalPause); !r.OK {
		t.Fatalf("pause again = %+v", r)
	}
	next = expectView("a pause again", next, securePause)
	desk.set(false)
	next = expectView("the desktop back while paused", next, wire.Envelope{Type: wire.TypePause})
	if g := sess().gate; g.MaySend() || g.MayInject() {
		t.Error("the sharer's pause did not outlast the prompt")
	}
	if r := do(wire.LocalResume); !r.OK {
		t.Fatalf("resume = %+v", r)
	}
	expectView("resume", next, wire.Envelope{Type: wire.TypeResume})

	// Stopping during a prompt ends the session (the watcher stops).
	desk.set(true)
	until("the third prompt", func() bool { return d.Status().Desktop == wire.ReasonSecureDesktop })
	if r := do(wire.LocalStop); !r.OK {
		t.Fatalf("stop = %+v", r)
	}
	until("the end", func() bool { return d.Status().State == wire.SharerEnded })
}
