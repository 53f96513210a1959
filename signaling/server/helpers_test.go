package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

const ioTimeout = 15 * time.Second

type wsClient struct {
	t  testing.TB
	ws *websocket.Conn
}

func dialWS(t testing.TB, env *servertest.Env, sessionID, token string, hdr http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	if hdr == nil {
		hdr = http.Header{}
	}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, env.SessionWS(sessionID), &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		return nil, resp, err
	}
	ws.SetReadLimit(1 << 20)
	c := &wsClient{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	return c, resp, nil
}

func mustDial(t testing.TB, env *servertest.Env, sessionID, token string) *wsClient {
	t.Helper()
	c, _, err := dialWS(t, env, sessionID, token, nil)
	if err != nil {
		t.Fatalf("dial session %s: %v", sessionID, err)
	}
	return c
}

func (c *wsClient) send(e wire.Envelope) {
	c.t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *wsClient) sendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *wsClient) read() (wire.Envelope, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return wire.Envelope{}, err
	}
	var e wire.Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		c.t.Fatalf("server sent invalid JSON %q: %v", b, err)
	}
	return e, nil
}

// expect reads the next message and checks its type.
func (c *wsClient) expect(typ string) wire.Envelope {
	c.t.Helper()
	e, err := c.read()
	if err != nil {
		c.t.Fatalf("reading %s: %v", typ, err)
	}
	if e.Type != typ {
		c.t.Fatalf("got message %q (%+v), want %q", e.Type, e, typ)
	}
	return e
}

// expectClosed reads until the connection closes and returns its status.
func (c *wsClient) expectClosed() websocket.StatusCode {
	c.t.Helper()
	for {
		_, err := c.read()
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// session runs login, create and join and connects both sides, consuming
// the hellos and peer-joined.
type pair struct {
	env    *servertest.Env
	create wire.CreateSessionResponse
	join   wire.JoinResponse
	helper *wsClient
	sharer *wsClient
}

func connectPair(t testing.TB, env *servertest.Env) *pair {
	t.Helper()
	p := &pair{env: env}
	p.create = env.CreateSession(t, env.HelperToken(t))
	p.helper = mustDial(t, env, p.create.SessionID, p.create.Token)
	if h := p.helper.expect(wire.TypeHello); h.Role != wire.RoleHelper || h.Peer {
		t.Fatalf("helper hello = %+v, want role helper without peer", h)
	}
	p.join = env.Join(t, p.create.Code)
	p.sharer = mustDial(t, env, p.join.SessionID, p.join.Token)
	h := p.sharer.expect(wire.TypeHello)
	if h.Role != wire.RoleSharer || !h.Peer || h.Helper == nil || h.Helper.DisplayName != "Alex P." {
		t.Fatalf("sharer hello = %+v, want role sharer, peer, helper Alex P.", h)
	}
	if pj := p.helper.expect(wire.TypePeerJoined); pj.Role != wire.RoleSharer {
		t.Fatalf("peer-joined = %+v, want role sharer", pj)
	}
	return p
}
