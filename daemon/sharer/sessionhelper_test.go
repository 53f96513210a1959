package sharer

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// testHelper is the helper's side of a session on a loopback service,
// connected until the test ends.
type testHelper struct {
	env     *servertest.Env
	created wire.CreateSessionResponse
	conn    *client.Session
	granted chan struct{} // closed once the helper has seen the screen granted
}

// connectHelper starts a service, creates a session and connects its
// helper. Every message the helper receives is passed to seen (when not
// nil), in order, from one goroutine; the screen granted is also noted for
// waitGranted.
func connectHelper(t *testing.T, ctx context.Context, seen func(wire.Envelope)) *testHelper {
	t.Helper()
	env := servertest.Start(t)
	created := env.CreateSession(t, env.HelperToken(t))
	api, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := api.Connect(ctx, created.SessionID, created.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	h := &testHelper{env: env, created: created, conn: conn, granted: make(chan struct{})}
	go func() {
		var once sync.Once
		for ev := range conn.Events() {
			if ev.Kind != client.EventMessage {
				continue
			}
			if ev.Envelope.Type == wire.TypeConsent && ev.Envelope.State == wire.StateGranted {
				once.Do(func() { close(h.granted) })
			}
			if seen != nil {
				seen(ev.Envelope)
			}
		}
	}()
	return h
}

// waitGranted waits until the helper has seen the screen granted. Join
// returns once the sharer's socket is open, which can be before the
// service has put it in the session: a message the helper sent then would
// find no sharer. So the helper sends only after this, as its viewer does.
func (h *testHelper) waitGranted(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-h.granted:
	case <-ctx.Done():
		t.Fatal("the helper never saw the screen granted")
	}
}

// loopbackPeers keeps the sharer's WebRTC peer on loopback addresses.
func loopbackPeers(se *webrtc.SettingEngine) {
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
}
