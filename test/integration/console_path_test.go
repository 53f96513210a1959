package integration_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// pathRouter is a virtual network for two in-process peers whose packets
// are all dropped while blocked is set: a broken media path while the
// session socket (real loopback) keeps working.
func pathRouter(t *testing.T) (r *vnet.Router, blocked *atomic.Bool) {
	t.Helper()
	r, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "192.0.2.0/24", LoggerFactory: rtc.PionLogs(slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	blocked = new(atomic.Bool)
	r.AddChunkFilter(func(vnet.Chunk) bool { return !blocked.Load() })
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	return r, blocked
}

// vnetICE puts a peer on r at ip, with ICE timeouts short enough for a
// test: disconnected after 500 ms of silence.
func vnetICE(t *testing.T, r *vnet.Router, ip string) func(*webrtc.SettingEngine) {
	t.Helper()
	nw, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AddNet(nw); err != nil {
		t.Fatal(err)
	}
	return func(se *webrtc.SettingEngine) {
		se.SetNet(nw)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		se.SetICETimeouts(500*time.Millisecond, 5*time.Second, 100*time.Millisecond)
	}
}

// pathConsole runs the helper console and an in-process sharer on a
// virtual network (see pathRouter) up to the sharer's consent, with the
// page connecting and the sharer's peer not started yet.
func pathConsole(t *testing.T, ctx context.Context) (pg *page, sh *sharerEnd, blocked *atomic.Bool) {
	t.Helper()
	env := servertest.Start(t)
	router, blocked := pathRouter(t)
	br, base := startConsoleICE(t, env.URL, 30*time.Second, vnetICE(t, router, "192.0.2.20"))
	pg = openPage(t, ctx, br, base)
	pg.state(wire.UIStateSignedOut)
	code := pg.signInAndCreateCode(env)
	sh = joinAsSharerICE(t, ctx, env.URL, code, vnetICE(t, router, "192.0.2.10"))
	pg.state(wire.UIStateAwaitingConsent)
	sh.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted})
	pg.state(wire.UIStateConnecting)
	return pg, sh, blocked
}

// The helper console on a broken media path: a blip (back within 2 s)
// keeps control and asks for nothing; either shows "connection is poor"
// while reconnecting; a longer outage asks the sharer for an ICE restart
// and shows the sharer's network revoke; the session is live again after
// the restart.
func TestConsolePathBlipAndOutage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pg, sh, blocked := pathConsole(t, ctx)
	if err := sh.peer.Start(ctx); err != nil {
		t.Fatal(err)
	}
	pg.state(wire.UIStateLive)
	pg.send(wire.BridgeRequest{Type: wire.BridgeRequestControl})
	sh.expect(wire.TypeControlRequest)
	sh.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateGranted})
	pg.until("control granted", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.Control == wire.ControlGranted
	})

	// A blip: the page shows it, control stays, nothing is asked of the sharer.
	blocked.Store(true)
	st := pg.state(wire.UIStateReconnecting)
	blocked.Store(false)
	if st.Control != wire.ControlGranted || st.Network != wire.ReasonNetworkInterrupted {
		t.Errorf("during a blip: control %q, network %q; want granted and a poor connection", st.Control, st.Network)
	}
	st = pg.state(wire.UIStateLive)
	if st.Control != wire.ControlGranted || st.Network != "" {
		t.Errorf("after a blip: control %q, network %q; want granted and no network trouble", st.Control, st.Network)
	}
	select {
	case env := <-sh.envs:
		t.Errorf("the sharer got %q after a blip, want nothing", env.Type)
	case <-time.After(3 * time.Second): // past the restart deadline
	}

	// An outage: poor connection, an ICE restart asked for, and the
	// sharer's revoke shown with the network reason.
	blocked.Store(true)
	poor := pg.state(wire.UIStateReconnecting)
	if poor.Network != wire.ReasonNetworkInterrupted || poor.ReconnectUntil <= time.Now().UnixMilli() {
		t.Errorf("outage status %+v, want a poor connection with a deadline ahead", poor)
	}
	sh.expect(wire.TypeICERestart)
	sh.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateRevoked, Reason: wire.ReasonNetworkInterrupted})
	n := pg.until("revoke notice", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeNotice })
	if n.Reason != wire.ReasonNetworkInterrupted {
		t.Errorf("notice reason %q, want %q", n.Reason, wire.ReasonNetworkInterrupted)
	}
	blocked.Store(false)
	// The sharer restarts whenever asked, as the daemon does.
	go func() {
		for {
			select {
			case env := <-sh.envs:
				if env.Type == wire.TypeICERestart {
					_ = sh.peer.Restart(ctx)
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	if err := sh.peer.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	st = pg.state(wire.UIStateLive)
	if st.Control != wire.ControlNone || st.Network != "" {
		t.Errorf("live after the outage with control %q, network %q; want none (the sharer must allow again) and no trouble",
			st.Control, st.Network)
	}
}

// A media path that cannot be made within 15 s is explained on the
// helper's page (network-blocked: what to ask the network administrator
// to allow) while the session keeps trying; once a path works, the
// explanation goes.
func TestConsoleExplainsBlockedPath(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pg, sh, blocked := pathConsole(t, ctx)
	blocked.Store(true)
	start := time.Now()
	if err := sh.peer.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e := pg.until("network-blocked", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.Network == wire.ReasonNetworkBlocked
	})
	if took := time.Since(start); took < 14*time.Second || took > 20*time.Second {
		t.Errorf("network-blocked after %v, want about 15 s", took.Round(time.Millisecond))
	}
	// Connecting, or reconnecting once ICE gave up the first attempt.
	if e.Status.State != wire.UIStateConnecting && e.Status.State != wire.UIStateReconnecting {
		t.Errorf("network-blocked in state %q, want connecting or reconnecting", e.Status.State)
	}
	blocked.Store(false)
	if err := sh.peer.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if st := pg.state(wire.UIStateLive); st.Network != "" {
		t.Errorf("live with network %q, want the explanation gone", st.Network)
	}
}
