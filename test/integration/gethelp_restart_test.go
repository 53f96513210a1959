package integration_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/gethelp"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// countedRestarts stands in for the system's restart (the OS boundary) in
// process: it counts the calls.
type countedRestarts struct{ reboots atomic.Int32 }

func (c *countedRestarts) Available(context.Context) []string { return []string{wire.ActionRestart} }
func (c *countedRestarts) StartTaskManager() error            { return nil }
func (c *countedRestarts) Reboot(context.Context) error {
	c.reboots.Add(1)
	return nil
}

// The helper in control asks to restart: the app's Get help shows the
// question with the daemon's deadline; "no" tells the helper, "yes" makes
// the daemon restart the computer (behind the fake) and the page shows
// the restarting state.
func TestSharerServiceRestartQuestion(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // the autostart entry goes there
	env := servertest.Start(t)
	cfg := daemonConfig(env.URL, time.Minute)
	sys := &countedRestarts{}
	cfg.Actions, cfg.StateDir = sys, t.TempDir()
	d, err := sharer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sock := serveDaemon(t, d)
	h := startHelper(t, ctx, env)
	svc, sink := newService(t, gethelp.SharerConfig{Socket: sock, Daemon: refuseStart{t}})
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: h.code})
	sink.WaitSharer(t, "the screen prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptScreen })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllow})
	sink.WaitSharer(t, "sharing", func(s wire.BridgeSharer) bool { return s.State == wire.SharerSharing })

	send := func(env wire.Envelope) {
		t.Helper()
		if err := h.sess.Send(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	// Without control the action is refused at once.
	send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionRestart})
	waitFor(t, "the refusal", func() bool { return h.saw(wire.TypeAction, wire.ActionDenied) })

	send(wire.Envelope{Type: wire.TypeControlRequest})
	sink.WaitSharer(t, "the control prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptControl })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllowControl})
	waitFor(t, "control granted with the actions", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, e := range h.envs {
			if e.Type == wire.TypeControl && e.State == wire.StateGranted && len(e.Actions) == 1 && e.Actions[0] == wire.ActionRestart {
				return true
			}
		}
		return false
	})

	send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionRestart})
	st := sink.WaitSharer(t, "the restart question", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptRestart })
	if st.PromptUntil <= time.Now().UnixMilli() || st.PromptUntil != st.RestartUntil {
		t.Errorf("PromptUntil = %d (daemon %d), want the daemon's deadline in the future", st.PromptUntil, st.RestartUntil)
	}
	waitFor(t, "the helper told it was asked", func() bool { return h.saw(wire.TypeAction, wire.ActionAsked) })
	h.mu.Lock()
	h.envs = nil
	h.mu.Unlock()
	sink.Reset()
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerDenyRestart})
	sink.WaitSharer(t, "the question answered", func(s wire.BridgeSharer) bool { return s.Prompt == "" && s.RestartUntil == 0 })
	waitFor(t, "the helper told no", func() bool { return h.saw(wire.TypeAction, wire.ActionDenied) })
	if n := sys.reboots.Load(); n != 0 {
		t.Fatalf("restarted %d times after no", n)
	}

	send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionRestart})
	sink.WaitSharer(t, "the restart question again", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptRestart })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllowRestart})
	st = sink.WaitSharer(t, "restarting", func(s wire.BridgeSharer) bool { return s.State == wire.SharerRestarting })
	if st.Control != wire.ControlNone {
		t.Errorf("control while restarting = %q, want none", st.Control)
	}
	waitFor(t, "the system asked to restart", func() bool { return sys.reboots.Load() == 1 })
	waitFor(t, "the helper told", func() bool { return h.saw(wire.TypeRestarting, "") && h.saw(wire.TypeControl, wire.StateRevoked) })
}
