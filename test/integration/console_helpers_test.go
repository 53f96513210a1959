package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/app/bridge"
	"github.com/quickhelp/quickhelp/app/console"
	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/daemon/peer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// The helper console's page and the sharer's end, for the console tests.

type page struct {
	t    *testing.T
	ctx  context.Context
	conn *websocket.Conn
	// frames holds binary messages read while waiting for events.
	frames [][]byte
}

func (p *page) send(r wire.BridgeRequest) {
	p.t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := p.conn.Write(p.ctx, websocket.MessageText, b); err != nil {
		p.t.Fatalf("page send %s: %v", r.Type, err)
	}
}

// until reads events until match returns true for one, and returns it.
func (p *page) until(what string, match func(wire.BridgeEvent) bool) wire.BridgeEvent {
	p.t.Helper()
	for {
		mt, data, err := p.conn.Read(p.ctx)
		if err != nil {
			p.t.Fatalf("page waiting for %s: %v", what, err)
		}
		if mt == websocket.MessageBinary {
			if len(p.frames) < 64 {
				p.frames = append(p.frames, data)
			}
			continue
		}
		e, err := wire.DecodeBridgeEvent(data)
		if err != nil {
			p.t.Fatalf("page got invalid event %s: %v", data, err)
		}
		if match(e) {
			return e
		}
	}
}

func (p *page) state(want string) wire.BridgeStatus {
	p.t.Helper()
	e := p.until("state "+want, func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeState && e.Status.State == want })
	return *e.Status
}

func startConsole(t *testing.T, serverURL string) (*bridge.Bridge, string) {
	t.Helper()
	return startConsoleWith(t, serverURL, 10*time.Second)
}

func startConsoleWith(t *testing.T, serverURL string, resume time.Duration) (*bridge.Bridge, string) {
	t.Helper()
	return startConsoleICE(t, serverURL, resume, loopbackICE)
}

// startConsoleICE is startConsoleWith with the viewer's setting engine
// adjusted by ice.
func startConsoleICE(t *testing.T, serverURL string, resume time.Duration, ice func(*webrtc.SettingEngine)) (*bridge.Bridge, string) {
	t.Helper()
	assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}}
	br, err := bridge.New(bridge.Config{Assets: assets})
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := console.NewController(console.ControllerConfig{
		Sink: br, Server: serverURL, Dropped: br.Dropped, ResumeWindow: resume,
		ViewerSettings: func(c *viewer.Config) { c.SettingEngine = ice },
	})
	if err != nil {
		t.Fatal(err)
	}
	br.SetHandler(ctl)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- br.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if err := ctl.Close(); err != nil {
			t.Errorf("controller Close: %v", err)
		}
	})
	return br, "http://" + ln.Addr().String()
}

func openPage(t *testing.T, ctx context.Context, br *bridge.Bridge, base string) *page {
	t.Helper()
	h := http.Header{"Origin": {base}}
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+bridge.Path+"?token="+br.Token(),
		&websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(wire.MaxFrameBytes + wire.FrameHeaderSize)
	t.Cleanup(func() { c.CloseNow() })
	return &page{t: t, ctx: ctx, conn: c}
}

// sharerEnd is the other side: service client plus the daemon's peer.
type sharerEnd struct {
	t    *testing.T
	ctx  context.Context
	sess *client.Session
	peer *peer.Conn
	envs chan wire.Envelope // everything the helper sent, except signalling
	data chan string        // data-channel messages from the helper
}

func joinAsSharer(t *testing.T, ctx context.Context, serverURL, code string) *sharerEnd {
	t.Helper()
	return joinAsSharerICE(t, ctx, serverURL, code, loopbackICE)
}

// joinAsSharerICE is joinAsSharer with the peer's setting engine adjusted
// by ice.
func joinAsSharerICE(t *testing.T, ctx context.Context, serverURL, code string, ice func(*webrtc.SettingEngine)) *sharerEnd {
	t.Helper()
	cl, err := client.New(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	j, err := cl.Join(ctx, code)
	if err != nil {
		t.Fatalf("Join(code) = %v", err)
	}
	sess, err := cl.Connect(ctx, j.SessionID, j.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := &sharerEnd{t: t, ctx: ctx, sess: sess, envs: make(chan wire.Envelope, 64), data: make(chan string, 256)}
	s.peer, err = peer.New(peer.Config{
		ICEServers:    j.ICEServers,
		Signal:        func(env wire.Envelope) error { return sess.Send(ctx, env) },
		OnData:        func(ch string, b []byte) { s.data <- ch + " " + string(b) },
		SettingEngine: ice,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range sess.Events() {
			if ev.Kind != client.EventMessage {
				continue
			}
			switch ev.Envelope.Type {
			case wire.TypeAnswer, wire.TypeCandidate:
				// ErrClosed: a late signal after the test closed its peer
				// (the sharer vanishing, or the cleanup).
				if err := s.peer.HandleSignal(context.Background(), ev.Envelope); err != nil && !errors.Is(err, rtc.ErrClosed) {
					t.Errorf("sharer HandleSignal(%s) = %v", ev.Envelope.Type, err)
				}
			default:
				select {
				case s.envs <- ev.Envelope:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = s.peer.Close()
		_ = sess.Close()
		<-done
	})
	return s
}

func (s *sharerEnd) send(env wire.Envelope) {
	s.t.Helper()
	if err := s.sess.Send(s.ctx, env); err != nil {
		s.t.Fatalf("sharer send %s: %v", env.Type, err)
	}
}

func (s *sharerEnd) expect(typ string) wire.Envelope {
	s.t.Helper()
	for {
		select {
		case env := <-s.envs:
			if env.Type == typ {
				return env
			}
		case <-s.ctx.Done():
			s.t.Fatalf("sharer never got %s", typ)
		}
	}
}

// sendUntilData calls send every half second until the sharer gets a
// data-channel message on the channel named prefix, and returns it.
func (s *sharerEnd) sendUntilData(prefix string, send func()) string {
	s.t.Helper()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	send()
	for {
		select {
		case d := <-s.data:
			if strings.HasPrefix(d, prefix) {
				return d
			}
		case <-tick.C:
			send()
		case <-s.ctx.Done():
			s.t.Fatalf("sharer never got data %q", prefix)
		}
	}
}

// signInAndCreateCode signs the page in as the seeded helper and returns a
// new code.
func (pg *page) signInAndCreateCode(env *servertest.Env) string {
	pg.send(wire.BridgeRequest{Type: wire.BridgeLogin, Email: env.HelperEmail, Password: env.HelperPassword})
	pg.state(wire.UIStateHome)
	pg.send(wire.BridgeRequest{Type: wire.BridgeCreateSession})
	return pg.until("session", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeSession }).Code
}
