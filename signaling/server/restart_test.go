package server_test

import (
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// A sharer whose computer restarts says so first: the helper is told, and
// the session waits the restart window for the sharer (longer than the
// resume window); back in time it goes on, and once the window is over
// without them it ends with timeout. Quick actions are relayed both ways.
func TestRestartingHoldsTheSession(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) {
		c.ResumeWindow = time.Second
		c.RestartWindow = 4 * time.Second
	})
	p := connectPair(t, env)
	id := p.create.SessionID

	p.helper.send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionRestart})
	if m := p.sharer.expect(wire.TypeAction); m.Action != wire.ActionRestart || m.From != wire.RoleHelper {
		t.Fatalf("relayed action = %+v", m)
	}
	p.sharer.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateGranted, Actions: []string{wire.ActionTaskManager, wire.ActionRestart}})
	if m := p.helper.expect(wire.TypeControl); len(m.Actions) != 2 {
		t.Fatalf("relayed control = %+v, want the two actions", m)
	}
	// Only the helper asks for an action, only the sharer answers.
	p.sharer.send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionRestart})
	if m := p.sharer.expect(wire.TypeError); m.Reason != wire.ReasonNotAllowed {
		t.Fatalf("sharer's action request answered %+v, want not-allowed", m)
	}
	p.helper.send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionRestart, State: wire.ActionStarted})
	if m := p.helper.expect(wire.TypeError); m.Reason != wire.ReasonNotAllowed {
		t.Fatalf("helper's action answer answered %+v, want not-allowed", m)
	}
	p.sharer.send(wire.Envelope{Type: wire.TypeAction, Action: wire.ActionRestart, State: wire.ActionAsked})
	if m := p.helper.expect(wire.TypeAction); m.State != wire.ActionAsked || m.From != wire.RoleSharer {
		t.Fatalf("relayed answer = %+v", m)
	}
	// Only the sharer may announce a restart.
	p.helper.send(wire.Envelope{Type: wire.TypeRestarting})
	if m := p.helper.expect(wire.TypeError); m.Reason != wire.ReasonNotAllowed {
		t.Fatalf("helper's restarting answered %+v, want not-allowed", m)
	}

	p.sharer.send(wire.Envelope{Type: wire.TypeRestarting})
	if m := p.helper.expect(wire.TypeRestarting); m.From != wire.RoleSharer {
		t.Fatalf("restarting = %+v", m)
	}
	start := time.Now()
	p.sharer.ws.CloseNow()
	p.helper.expect(wire.TypePeerLeft)
	time.Sleep(2 * time.Second) // beyond the resume window
	sharer := mustDial(t, env, id, p.join.Token)
	if h := sharer.expect(wire.TypeHello); !h.Peer {
		t.Fatalf("hello after the restart = %+v", h)
	}
	p.helper.expect(wire.TypePeerJoined)

	// Gone again: what is left of the restart window still holds, then
	// the session ends.
	sharer.ws.CloseNow()
	p.helper.expect(wire.TypePeerLeft)
	if m := p.helper.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonTimeout {
		t.Fatalf("session-ended = %+v, want timeout", m)
	}
	if took := time.Since(start); took < 3*time.Second {
		t.Errorf("the session ended %v after the restart, want the restart window (4 s)", took)
	}
}

// A session cannot be held by restarting over and over.
func TestRestartingIsBounded(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	for range 3 {
		p.sharer.send(wire.Envelope{Type: wire.TypeRestarting})
		p.helper.expect(wire.TypeRestarting)
	}
	p.sharer.send(wire.Envelope{Type: wire.TypeRestarting})
	if m := p.sharer.expect(wire.TypeError); m.Reason != wire.ReasonNotAllowed {
		t.Fatalf("fourth restarting answered %+v, want not-allowed", m)
	}
}
