package integration_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/bridge/bridgetest"
	"github.com/quickhelp/quickhelp/app/console"
	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/daemon/peer"
	"github.com/quickhelp/quickhelp/internal/policy"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/signaling/turn"
	"github.com/quickhelp/quickhelp/wire"
)

// relayFilePolicy reads a policy file through the real policy package,
// ForceRelay included.
type relayFilePolicy string

func (f relayFilePolicy) load() policy.Policy {
	p, _ := policy.Load(policy.Config{File: string(f)})
	return p
}
func (f relayFilePolicy) Check() error                 { return f.load().Check() }
func (f relayFilePolicy) CheckServer(url string) error { return f.load().CheckServer(url) }
func (f relayFilePolicy) ForceRelay() bool             { return f.load().ForceRelay }

func writeRelayPolicy(t *testing.T, body string) relayFilePolicy {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return relayFilePolicy(p)
}

// relayService starts the service with a loopback TURN relay it hands out
// to every session (no policy of its own: every path is allowed). Both
// stop with the test.
func relayService(t *testing.T) (*turn.Server, *servertest.Env) {
	t.Helper()
	relay, err := turn.New(turn.Config{ListenUDP: "127.0.0.1:0", ListenTCP: "off", DevMode: true,
		Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { relay.Close() })
	return relay, servertest.StartWith(t, func(c *server.Config) { c.ICE = relay })
}

// signalledCandidates lists the ICE candidates e carries: a trickled one,
// or those in the SDP of an offer or answer.
func signalledCandidates(e wire.Envelope) []string {
	switch {
	case e.Type == wire.TypeCandidate && e.Candidate != nil:
		return []string{e.Candidate.Candidate}
	case e.Type == wire.TypeOffer || e.Type == wire.TypeAnswer:
		var cands []string
		for _, l := range strings.Split(e.SDP, "\n") {
			if strings.HasPrefix(l, "a=candidate:") {
				cands = append(cands, l)
			}
		}
		return cands
	}
	return nil
}

// TestConsoleForceRelay: with the machine policy ForceRelay the helper's
// viewer answers with relay candidates only (through the service's real
// TURN relay), although the service allows every path, and the connection
// is made.
func TestConsoleForceRelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, env := relayService(t)
	sink := &bridgetest.Sink{}
	c, err := console.NewController(console.ControllerConfig{
		Sink: sink, Server: env.URL, Policy: writeRelayPolicy(t, `{"ForceRelay": true}`),
		ViewerSettings: func(vc *viewer.Config) { vc.SettingEngine = loopbackICE },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.PageConnected()
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeLogin, Email: env.HelperEmail, Password: env.HelperPassword})
	sink.WaitEvent(t, "home", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status != nil && e.Status.State == wire.UIStateHome
	})
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeCreateSession})
	code := sink.WaitEvent(t, "a code", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeSession }).Code

	// The sharer: the real service client and the daemon's peer, recording
	// what the helper's viewer signals.
	cl, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	j, err := cl.Join(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := cl.Connect(ctx, j.SessionID, j.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	connected := make(chan struct{})
	var once sync.Once
	p, err := peer.New(peer.Config{
		ICEServers: j.ICEServers, SettingEngine: loopbackICE,
		Signal: func(env wire.Envelope) error { return sess.Send(ctx, env) },
		OnState: func(s rtc.State) {
			if s == rtc.StateConnected {
				once.Do(func() { close(connected) })
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var mu sync.Mutex
	var helperCandidates []string
	go func() {
		for ev := range sess.Events() {
			if ev.Kind != client.EventMessage {
				continue
			}
			e := ev.Envelope
			mu.Lock()
			helperCandidates = append(helperCandidates, signalledCandidates(e)...)
			mu.Unlock()
			if e.Type == wire.TypeAnswer || e.Type == wire.TypeCandidate {
				_ = p.HandleSignal(ctx, e)
			}
		}
	}()
	if err := sess.Send(ctx, wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-ctx.Done():
		t.Fatal("the connection was not made")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(helperCandidates) == 0 {
		t.Fatal("the helper signalled no candidate")
	}
	for _, cand := range helperCandidates {
		if !strings.Contains(cand, " typ relay") {
			t.Errorf("the helper offered a non-relay candidate under ForceRelay: %q", cand)
		}
	}
}
