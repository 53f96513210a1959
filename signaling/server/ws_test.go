package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

func TestWebSocketRefusals(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.OriginPatterns = []string{"app.example.com"} })
	p := connectPair(t, env)
	id := p.create.SessionID
	tests := []struct {
		name   string
		token  string
		origin string
		want   int
	}{
		{"wrong token", "not-a-token", "", http.StatusUnauthorized},
		{"no token", "", "", http.StatusUnauthorized},
		{"foreign origin", p.create.Token, "https://evil.example.net", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{}
			if tt.origin != "" {
				hdr.Set("Origin", tt.origin)
			}
			_, resp, err := dialWS(t, env, id, tt.token, hdr)
			if err == nil {
				t.Fatalf("dial succeeded, want %d", tt.want)
			}
			if resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("dial: %v, status %v, want %d", err, resp, tt.want)
			}
		})
	}
	// The two legitimate participants were not disturbed.
	p.helper.send(wire.Envelope{Type: wire.TypeChat, Text: "still here"})
	p.sharer.expect(wire.TypeChat)

	// A configured origin is allowed (the helper reconnects from it).
	p.helper.ws.Close(websocket.StatusNormalClosure, "")
	p.sharer.expect(wire.TypePeerLeft)
	hdr := http.Header{"Origin": []string{"https://app.example.com"}}
	c, _, err := dialWS(t, env, id, p.create.Token, hdr)
	if err != nil {
		t.Fatalf("dial from allowed origin: %v", err)
	}
	c.expect(wire.TypeHello)
}

// The same participant connecting again takes over: after a network
// change its old socket looks alive to the service while nothing arrives.
// The old socket is closed with StatusReplaced, the other side sees no
// leave or join, and messages flow on the new socket.
func TestSameParticipantTakesOver(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	id := p.create.SessionID
	fresh := mustDial(t, env, id, p.join.Token)
	if hello := fresh.expect(wire.TypeHello); hello.Role != wire.RoleSharer || !hello.Peer {
		t.Errorf("hello to the new socket = %+v, want sharer with the helper present", hello)
	}
	// The close frame may lose the race with the reader's cancelled
	// context (then the socket just ends); a code, if any, says why.
	if code := p.sharer.expectClosed(); code != server.StatusReplaced && code != -1 {
		t.Errorf("old socket closed with %v, want StatusReplaced", code)
	}
	p.helper.send(wire.Envelope{Type: wire.TypeChat, Text: "to the new socket"})
	// The helper was told nothing: the first thing the new socket gets is
	// the chat, and the helper's next message is the sharer's answer.
	if m := fresh.expect(wire.TypeChat); m.Text != "to the new socket" {
		t.Errorf("new socket got %+v", m)
	}
	fresh.send(wire.Envelope{Type: wire.TypeChat, Text: "from the new socket"})
	if m, err := p.helper.read(); err != nil || m.Type != wire.TypeChat {
		t.Errorf("helper got %+v (%v), want only the chat (no peer-left or peer-joined)", m, err)
	}
	// The helper can do the same.
	helper2 := mustDial(t, env, id, p.create.Token)
	helper2.expect(wire.TypeHello)
	if code := p.helper.expectClosed(); code != server.StatusReplaced && code != -1 {
		t.Errorf("old helper socket closed with %v, want StatusReplaced", code)
	}
}

func TestOversizedMessageClosesSocket(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	big := `{"type":"chat","text":"` + strings.Repeat("a", wire.MaxEnvelopeBytes) + `"}`
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	// The write may or may not complete before the server closes.
	_ = p.helper.ws.Write(ctx, websocket.MessageText, []byte(big))
	if code := p.helper.expectClosed(); code != websocket.StatusMessageTooBig {
		t.Errorf("close status = %v, want StatusMessageTooBig", code)
	}
	if m := p.sharer.expect(wire.TypePeerLeft); m.Role != wire.RoleHelper {
		t.Errorf("peer-left = %+v", m)
	}
}

// TestSlowConsumerDropped: the helper stops reading while the sharer floods
// large offers. The server must drop the helper (bounded queue) and the
// sharer must keep being served.
func TestSlowConsumerDropped(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) {
		c.SendQueue = 8
		c.WriteTimeout = 2 * time.Second
	})
	p := connectPair(t, env)
	offer := wire.Envelope{Type: wire.TypeOffer, SDP: strings.Repeat("s", wire.MaxSDPBytes-100)}
	gotPeerLeft := make(chan wire.Envelope, 1)
	go func() {
		for {
			m, err := p.sharer.read()
			if err != nil {
				close(gotPeerLeft)
				return
			}
			if m.Type == wire.TypePeerLeft {
				gotPeerLeft <- m
				return
			}
		}
	}()
	// Up to ~48 MB: far beyond socket buffers plus the queue.
	deadline := time.Now().Add(60 * time.Second)
	sent := 0
	for sent < 1000 && time.Now().Before(deadline) {
		select {
		case m, ok := <-gotPeerLeft:
			if !ok || m.Role != wire.RoleHelper {
				t.Fatalf("sharer got %+v, %v, want peer-left of the helper", m, ok)
			}
			t.Logf("helper dropped after %d offers", sent)
			// The sharer's own messages are still answered promptly.
			// (Offers sent after the drop are answered peer-absent first.)
			p.sharer.send(wire.Envelope{Type: wire.TypePing})
			for {
				m, err := p.sharer.read()
				if err != nil {
					t.Fatalf("sharer read: %v", err)
				}
				if m.Type == wire.TypePing {
					break
				}
				if m.Type != wire.TypeError || m.Reason != "peer-absent" {
					t.Fatalf("sharer got %+v, want peer-absent errors then ping", m)
				}
			}
			if v := env.Server.Metrics().SlowConsumers.Load(); v < 1 {
				t.Errorf("slow consumer metric = %d, want >= 1", v)
			}
			// The helper's socket is closed: draining it ends in an error.
			done := make(chan struct{})
			go func() { p.helper.expectClosed(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Error("helper socket still open after being dropped")
			}
			return
		default:
		}
		p.sharer.send(offer)
		sent++
	}
	t.Fatalf("helper not dropped after %d offers", sent)
}

func TestResumeWindow(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.ResumeWindow = 3 * time.Second })
	p := connectPair(t, env)
	id := p.create.SessionID

	// The sharer drops and comes back in time: the session continues.
	p.sharer.ws.CloseNow()
	if m := p.helper.expect(wire.TypePeerLeft); m.Role != wire.RoleSharer {
		t.Fatalf("peer-left = %+v", m)
	}
	sharer := mustDial(t, env, id, p.join.Token)
	if h := sharer.expect(wire.TypeHello); !h.Peer || h.Role != wire.RoleSharer {
		t.Fatalf("hello after resume = %+v", h)
	}
	p.helper.expect(wire.TypePeerJoined)
	sharer.send(wire.Envelope{Type: wire.TypeChat, Text: "back"})
	p.helper.expect(wire.TypeChat)

	// The sharer drops for good: the helper gets session-ended timeout.
	sharer.ws.CloseNow()
	p.helper.expect(wire.TypePeerLeft)
	if m := p.helper.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonTimeout {
		t.Fatalf("session-ended = %+v, want timeout", m)
	}
	s, err := env.Store.Session(t.Context(), id)
	if err != nil || s.EndReason != wire.ReasonTimeout {
		t.Errorf("stored session = %+v, %v", s, err)
	}
	if _, resp, err := dialWS(t, env, id, p.join.Token, nil); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("reconnect after the window: %v, want 401", err)
	}
}

func TestShutdownEndsSessions(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- env.Server.Shutdown(ctx)
	}()
	for name, c := range map[string]*wsClient{"helper": p.helper, "sharer": p.sharer} {
		if m := c.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonShutdown {
			t.Errorf("%s: reason = %q, want shutdown", name, m.Reason)
		}
		if code := c.expectClosed(); code != websocket.StatusNormalClosure {
			t.Errorf("%s: close = %v, want normal", name, code)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if _, _, err := dialWS(t, env, p.create.SessionID, p.create.Token, nil); err == nil {
		t.Errorf("dial after shutdown succeeded")
	}
}

func TestWaitingHelperToldWhenCodeExpires(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.CodeTTL = 2 * time.Second })
	cr := env.CreateSession(t, env.HelperToken(t))
	h := mustDial(t, env, cr.SessionID, cr.Token)
	h.expect(wire.TypeHello)
	if m := h.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonExpired {
		t.Errorf("reason = %q, want expired", m.Reason)
	}
	if st, _ := env.Do(t, http.MethodPost, wire.PathJoin, "", wire.JoinRequest{Code: cr.Code}, nil); st != http.StatusNotFound {
		t.Errorf("join after expiry: %d, want 404", st)
	}
}
