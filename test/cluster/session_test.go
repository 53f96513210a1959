//go:build linux

package cluster

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// participant is one side of a session through signaling/client.
type participant struct {
	name      string
	s         *client.Session
	msgs      chan wire.Envelope
	connected chan struct{} // an EventConnected after a reconnect
	closed    chan client.Event
}

func connect(t *testing.T, base, name, sessionID, token string) *participant {
	t.Helper()
	c, err := client.New(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Connect(ctx, sessionID, token, client.ConnectOptions{ResumeWindow: 20 * time.Second,
		InitialBackoff: 100 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, PingInterval: time.Second, PingTimeout: time.Second})
	if err != nil {
		t.Fatalf("%s connect: %v", name, err)
	}
	p := &participant{name: name, s: s, msgs: make(chan wire.Envelope, 256), connected: make(chan struct{}, 16),
		closed: make(chan client.Event, 1)}
	go func() {
		first := true
		for ev := range s.Events() {
			switch ev.Kind {
			case client.EventMessage:
				p.msgs <- ev.Envelope
			case client.EventConnected:
				if !first {
					p.connected <- struct{}{}
				}
				first = false
			case client.EventClosed:
				p.closed <- ev
			}
		}
	}()
	t.Cleanup(func() { s.Close() })
	return p
}

// expect waits for a message of type typ that match accepts (nil: any),
// skipping others.
func (p *participant) expect(t *testing.T, typ string, match func(wire.Envelope) bool) wire.Envelope {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case env := <-p.msgs:
			if env.Type == typ && (match == nil || match(env)) {
				return env
			}
		case <-deadline:
			t.Fatalf("%s: no %s within 15 s", p.name, typ)
		}
	}
}

// expectOnce waits for the chat text and fails if it comes again within
// the next two seconds.
func (p *participant) expectOnce(t *testing.T, text string) {
	t.Helper()
	p.expect(t, wire.TypeChat, func(e wire.Envelope) bool { return e.Text == text })
	var others []wire.Envelope
	defer func() {
		for _, e := range others {
			p.msgs <- e // keep what else arrived for later expects
		}
	}()
	deadline := time.After(2 * time.Second)
	for {
		select {
		case e := <-p.msgs:
			if e.Type == wire.TypeChat && e.Text == text {
				t.Fatalf("%s got chat %q twice", p.name, text)
			}
			others = append(others, e)
		case <-deadline:
			return
		}
	}
}

func (p *participant) send(t *testing.T, env wire.Envelope) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.s.Send(ctx, env); err != nil {
		t.Fatalf("%s send %s: %v", p.name, env.Type, err)
	}
}

// chat sends text and waits until the other side has it.
func chat(t *testing.T, from, to *participant, text string) {
	t.Helper()
	from.send(t, wire.Envelope{Type: wire.TypeChat, Text: text})
	to.expect(t, wire.TypeChat, func(e wire.Envelope) bool { return e.Text == text })
}

// startSession signs the helper in through the helper's port (node 1),
// creates a code and connects; the sharer joins through the sharer's
// port (node 2) and connects there.
func startSession(t *testing.T, f *fixture) (helper, sharer *participant, sessionID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hc, err := client.New(f.lbHelper)
	if err != nil {
		t.Fatal(err)
	}
	login, err := hc.Login(ctx, helperEmail, password)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	cs, err := hc.CreateSession(ctx, login.Token)
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	helper = connect(t, f.lbHelper, "helper", cs.SessionID, cs.Token)
	helper.expect(t, wire.TypeHello, func(e wire.Envelope) bool { return !e.Peer })
	sc, err := client.New(f.lbSharer)
	if err != nil {
		t.Fatal(err)
	}
	j, err := sc.Join(ctx, cs.Code)
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	sharer = connect(t, f.lbSharer, "sharer", j.SessionID, j.Token)
	sharer.expect(t, wire.TypeHello, func(e wire.Envelope) bool { return e.Peer && e.Helper != nil && e.Helper.DisplayName == "Alex P." })
	helper.expect(t, wire.TypePeerJoined, func(e wire.Envelope) bool { return e.Role == wire.RoleSharer })
	return helper, sharer, cs.SessionID
}

func wsOn(t *testing.T, n *node) int64 { return n.metric(t, "quickhelp_websocket_connections") }

// waitWS waits until node n holds want session sockets.
func waitWS(t *testing.T, n *node, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := wsOn(t, n)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d session sockets, want %d", n.name, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSessionAcrossNodes: the helper on node 1 and the sharer on node 2
// exchange everything the service relays; node 2 is killed and the
// sharer goes on through node 3; node 3 is stopped (drained) and the
// sharer goes on through node 1; chat arrives exactly once throughout.
func TestSessionAcrossNodes(t *testing.T) {
	f := newFixture(t)
	helper, sharer, id := startSession(t, f)
	// The helper is on node 1 and the sharer on node 2.
	waitWS(t, f.nodes[0], 1)
	waitWS(t, f.nodes[1], 1)

	mid, idx := "0", uint16(0)
	cand := &wire.ICECandidate{Candidate: "candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host", SDPMid: &mid, SDPMLineIndex: &idx}
	relayed := []struct {
		from, to *participant
		env      wire.Envelope
		check    func(wire.Envelope) bool
	}{
		{sharer, helper, wire.Envelope{Type: wire.TypeChat, Text: "hello from the sharer"}, func(e wire.Envelope) bool { return e.Text == "hello from the sharer" }},
		{helper, sharer, wire.Envelope{Type: wire.TypeChat, Text: "hello from the helper"}, func(e wire.Envelope) bool { return e.Text == "hello from the helper" }},
		{sharer, helper, wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted}, func(e wire.Envelope) bool { return e.State == wire.StateGranted }},
		{sharer, helper, wire.Envelope{Type: wire.TypeOffer, SDP: "v=0 offer"}, func(e wire.Envelope) bool { return e.SDP == "v=0 offer" }},
		{helper, sharer, wire.Envelope{Type: wire.TypeAnswer, SDP: "v=0 answer"}, func(e wire.Envelope) bool { return e.SDP == "v=0 answer" }},
		{sharer, helper, wire.Envelope{Type: wire.TypeCandidate, Candidate: cand}, func(e wire.Envelope) bool { return e.Candidate != nil && e.Candidate.Candidate == cand.Candidate }},
		{helper, sharer, wire.Envelope{Type: wire.TypeCandidate, Candidate: cand}, func(e wire.Envelope) bool { return e.Candidate != nil }},
		{helper, sharer, wire.Envelope{Type: wire.TypeControlRequest}, nil},
		{sharer, helper, wire.Envelope{Type: wire.TypeControl, State: wire.StateGranted}, func(e wire.Envelope) bool { return e.State == wire.StateGranted }},
		{helper, sharer, wire.Envelope{Type: wire.TypeControl, State: wire.StateReleased}, func(e wire.Envelope) bool { return e.State == wire.StateReleased }},
	}
	for _, r := range relayed {
		r.from.send(t, r.env)
		got := r.to.expect(t, r.env.Type, r.check)
		if got.From != r.from.name {
			t.Errorf("%s relayed to %s with from %q, want %q", r.env.Type, r.to.name, got.From, r.from.name)
		}
	}

	// Node 2 dies: the sharer's socket goes with it and the load
	// balancer sends the reconnect to node 3.
	f.nodes[1].stop(t, syscall.SIGKILL)
	// Chat sent around the failure arrives, once.
	helper.send(t, wire.Envelope{Type: wire.TypeChat, Text: "sent as node 2 died"})
	sent := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		sent <- sharer.s.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "sent while reconnecting"})
	}()
	waitReconnect(t, sharer)
	waitWS(t, f.nodes[2], 1) // the sharer, on node 3 now
	if err := <-sent; err != nil {
		t.Fatalf("sharer's chat while reconnecting: %v", err)
	}
	sharer.expectOnce(t, "sent as node 2 died")
	helper.expectOnce(t, "sent while reconnecting")
	chat(t, helper, sharer, "still there after node 2 died?")
	chat(t, sharer, helper, "yes, through node 3")

	// Node 3 stops: it drains, the sharer reconnects through node 1.
	f.nodes[2].stop(t, syscall.SIGTERM)
	if err := f.nodes[2].exitStatus; err != nil {
		t.Errorf("node 3 exit after SIGTERM: %v", err)
	}
	waitReconnect(t, sharer)
	chat(t, helper, sharer, "and after node 3 stopped?")
	chat(t, sharer, helper, "yes, both on node 1 now")
	waitWS(t, f.nodes[0], 2) // both participants
	st, err := store.OpenPostgres(context.Background(), f.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if s, err := st.Session(context.Background(), id); err != nil || s.EndedAt != nil {
		t.Fatalf("session after the drain = %+v, %v; want it live", s, err)
	}

	helper.send(t, wire.Envelope{Type: wire.TypeEnd, Reason: wire.ReasonHelperEnded})
	sharer.expect(t, wire.TypeSessionEnded, func(e wire.Envelope) bool { return e.Reason == wire.ReasonHelperEnded })
}

func waitReconnect(t *testing.T, p *participant) {
	t.Helper()
	select {
	case <-p.connected:
	case ev := <-p.closed:
		t.Fatalf("%s closed instead of reconnecting: %v", p.name, ev.Err)
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not reconnect within 20 s", p.name)
	}
}
