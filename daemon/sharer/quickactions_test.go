package sharer

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/input"
	"github.com/quickhelp/quickhelp/wire"
)

// nopInjector stands in for the X server's input (an OS boundary).
type nopInjector struct{}

func (nopInjector) MoveAbs(int, int) error        { return nil }
func (nopInjector) Button(int, bool) error        { return nil }
func (nopInjector) Wheel(int, int) error          { return nil }
func (nopInjector) Key(input.KeyCode, bool) error { return nil }
func (nopInjector) Text(string) error             { return nil }
func (nopInjector) Close() error                  { return nil }

// failingSystem stands in for the system (the OS boundary of the quick
// actions): the task manager starts, the restart is refused once the test
// closes refuse (until then the restart is in progress, as a real one is
// for a while).
type failingSystem struct {
	mu      sync.Mutex
	started int
	refuse  chan struct{}
}

func (f *failingSystem) Available(context.Context) []string {
	return []string{wire.ActionTaskManager, wire.ActionRestart}
}
func (f *failingSystem) StartTaskManager() error {
	f.mu.Lock()
	f.started++
	f.mu.Unlock()
	return nil
}
func (f *failingSystem) Reboot(ctx context.Context) error {
	select {
	case <-f.refuse:
		return errors.New("polkit said no")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recordingAutostart stands in for the desktop's autostart (an OS
// boundary).
type recordingAutostart struct {
	mu      sync.Mutex
	enabled bool
	exe     string
}

func (a *recordingAutostart) Enable(exe string, _ []string) error {
	a.mu.Lock()
	a.enabled, a.exe = true, exe
	a.mu.Unlock()
	return nil
}
func (a *recordingAutostart) Disable() error {
	a.mu.Lock()
	a.enabled = false
	a.mu.Unlock()
	return nil
}
func (a *recordingAutostart) on() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.enabled
}

// Quick actions run only while the helper has control; a restart the
// system refuses leaves the session sharing (without control), removes the
// autostart entry again, keeps an ordinary resume ticket and tells the
// helper it failed.
func TestQuickActionsAndARefusedRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got := make(chan wire.Envelope, 64)
	helper := connectHelper(t, ctx, func(e wire.Envelope) {
		if e.Type == wire.TypeAction || e.Type == wire.TypeRestarting {
			got <- e
		}
	})
	env, created := helper.env, helper.created
	expect := func(what, typ, state string) {
		t.Helper()
		select {
		case e := <-got:
			if e.Type != typ || e.State != state {
				t.Fatalf("%s: got %+v, want %s %q", what, e, typ, state)
			}
		case <-ctx.Done():
			t.Fatalf("%s: nothing arrived", what)
		}
	}
	send := func(e wire.Envelope) {
		t.Helper()
		if err := helper.conn.Send(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	sys, auto, dir := &failingSystem{refuse: make(chan struct{})}, &recordingAutostart{}, t.TempDir()
	d, err := New(Config{
		ServerURL:    env.URL,
		NewSource:    func(capture.Config) (capture.Source, error) { return capture.NewPattern(64, 48), nil },
		NewInjector:  func(string) (input.Injector, error) { return nopInjector{}, nil },
		PeerSettings: loopbackPeers,
		Actions:      sys,
		Autostart:    auto,
		StateDir:     dir,
		ResumeKey:    "test",
		Executable:   "/usr/bin/quickhelp-sharer",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Join(ctx, created.Code, ""); err != nil {
		t.Fatal(err)
	}
	do := func(cmd string) wire.LocalResponse { return d.Do(ctx, wire.LocalRequest{Cmd: cmd}) }
	until := func(what string, cond func(wire.SharerStatus) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond(d.Status()) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (status %+v)", what, d.Status())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if r := do(wire.LocalAllow); !r.OK {
		t.Fatalf("allow = %+v", r)
	}
	if _, err := os.Stat(ticketFile(dir, "test")); err != nil {
		t.Fatalf("no resume ticket while sharing: %v", err)
	}
	helper.waitGranted(t, ctx)

	// Without control: refused, nothing started.
	send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionTaskManager})
	expect("task manager without control", wire.TypeAction, wire.ActionDenied)
	if r := do(wire.LocalAllowRestart); r.OK {
		t.Error("allow-restart with nothing asked was accepted")
	}

	send(wire.Envelope{Type: wire.TypeControlRequest})
	until("the control request", func(st wire.SharerStatus) bool { return st.Control == wire.ControlRequested })
	if r := do(wire.LocalAllowControl); !r.OK {
		t.Fatalf("allow-control = %+v", r)
	}
	send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionTaskManager})
	expect("task manager", wire.TypeAction, wire.ActionStarted)
	send(wire.Envelope{Type: wire.TypeAction, Action: "format-disk"})
	expect("an unknown action", wire.TypeAction, wire.ActionDenied)

	send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionRestart})
	expect("restart asked", wire.TypeAction, wire.ActionAsked)
	until("the restart question", func(st wire.SharerStatus) bool { return st.RestartUntil > 0 })
	if r := do(wire.LocalAllowRestart); !r.OK || r.Status.State != wire.SharerRestarting {
		t.Fatalf("allow-restart = %+v, want restarting", r)
	}
	expect("restarting", wire.TypeRestarting, "")
	expect("restart started", wire.TypeAction, wire.ActionStarted)
	if st := d.Status(); st.State != wire.SharerRestarting {
		t.Errorf("while the system has not answered the status is %+v, want restarting", st)
	}
	close(sys.refuse) // the system refuses now
	expect("restart failed", wire.TypeAction, wire.ActionFailed)
	until("sharing again", func(st wire.SharerStatus) bool { return st.State == wire.SharerSharing })
	if st := d.Status(); st.Control != wire.ControlNone || st.RestartUntil != 0 {
		t.Errorf("after the refused restart: %+v, want sharing without control or question", st)
	}
	if auto.on() {
		t.Error("the autostart entry was left after the refused restart")
	}
	var tk resumeTicket
	b, err := os.ReadFile(ticketFile(dir, "test"))
	if err == nil {
		err = json.Unmarshal(b, &tk)
	}
	if err != nil || tk.Restart || tk.SessionID != created.SessionID {
		t.Errorf("ticket after the refused restart = %+v, %v; want a live one for the session", tk, err)
	}

	// The end of the session removes the ticket.
	if r := do(wire.LocalStop); !r.OK {
		t.Fatalf("stop = %+v", r)
	}
	until("the end", func(st wire.SharerStatus) bool { return st.State == wire.SharerEnded })
	if m, _ := filepath.Glob(filepath.Join(dir, "resume-*.json")); len(m) != 0 {
		t.Errorf("tickets after the end: %v", m)
	}
}
