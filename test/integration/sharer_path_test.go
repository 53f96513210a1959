//go:build linux

package integration_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// pathSession runs the real sharer daemon (on Xvfb, with a changing
// screen) and a helper viewer on a virtual network that drops everything
// while blocked is set, joins and returns before Allow.
func pathSession(t *testing.T, ctx context.Context) (h *helperSide, do func(string) wire.SharerStatus, blocked *atomic.Bool) {
	t.Helper()
	x, err := xvfb.Start(ctx, e2eDisplay, 640, 480)
	if err != nil {
		t.Fatalf("xvfb.Start(%d) = %v", e2eDisplay, err)
	}
	t.Cleanup(x.Close)
	painter, err := xvfb.NewPainter(x.Display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(painter.Close)
	paintCtx, stopPaint := context.WithCancel(ctx)
	painted := make(chan struct{})
	go func() { // a changing screen, so there are frames to send
		defer close(painted)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := uint32(0); ; i++ {
			select {
			case <-paintCtx.Done():
				return
			case <-tick.C:
				_ = painter.Fill(int(i%20)*20, 100, 100, 100, 0x102030*(i%7+1))
			}
		}
	}()
	t.Cleanup(func() { stopPaint(); <-painted })

	router, blocked := pathRouter(t)
	env := servertest.Start(t)
	api, token := signInHelper(t, ctx, env)
	h, code := newHelperICE(ctx, t, api, token, vnetICE(t, router, "192.0.2.20"))
	t.Cleanup(h.close)
	d, err := sharer.New(sharer.Config{ServerURL: env.URL, Display: x.Display, PeerSettings: vnetICE(t, router, "192.0.2.10")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	_, do = serveLocal(t, ctx, d)
	if err := d.Join(ctx, code, ""); err != nil {
		t.Fatalf("join: %v", err)
	}
	return h, do, blocked
}

// The sharer daemon on a broken media path (the session socket keeps
// working): a blip keeps the helper's control and restarts nothing; a
// longer outage drops control (the helper is told network-interrupted),
// restarts ICE by itself and brings the video back once the path returns.
func TestSharerPathBlipAndOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h, do, blocked := pathSession(t, ctx)
	do(wire.LocalAllow)
	eventually(t, "frames", 20*time.Second, func() bool { return h.frameCount() > 5 })
	if err := h.sess.Send(ctx, wire.Envelope{Type: wire.TypeControlRequest}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the control request", 10*time.Second, func() bool { return do(wire.LocalStatus).Control == wire.ControlRequested })
	do(wire.LocalAllowControl)
	eventually(t, "control granted at the helper", 10*time.Second, func() bool { return h.sawType(wire.TypeControl, wire.StateGranted) })

	// A blip: disconnected, back well within 2 s; control stays.
	blocked.Store(true)
	eventually(t, "the sharer sees the path down", 5*time.Second, func() bool { return !do(wire.LocalStatus).Connected })
	blocked.Store(false)
	eventually(t, "the path back", 5*time.Second, func() bool { return do(wire.LocalStatus).Connected })
	time.Sleep(3 * time.Second) // past the blip and restart deadlines
	if st := do(wire.LocalStatus); st.Control != wire.ControlGranted || st.Restarts != 0 || st.Network != "" {
		t.Errorf("after a blip: control %q, restarts %d, network %q; want granted, 0, none", st.Control, st.Restarts, st.Network)
	}

	// An outage: control dropped with the network reason, ICE restarted
	// by the sharer itself, video back after the path returns.
	blocked.Store(true)
	eventually(t, "control dropped", 6*time.Second, func() bool {
		st := do(wire.LocalStatus)
		return st.Control == wire.ControlNone && st.Network == wire.ReasonNetworkInterrupted
	})
	eventually(t, "an ICE restart", 5*time.Second, func() bool { return do(wire.LocalStatus).Restarts >= 1 })
	blocked.Store(false)
	back := time.Now()
	frames := h.frameCount()
	eventually(t, "video back", 5*time.Second, func() bool { return h.frameCount() > frames+5 })
	t.Logf("video back %v after the path returned", time.Since(back).Round(time.Millisecond))
	eventually(t, "the status clear", 5*time.Second, func() bool {
		st := do(wire.LocalStatus)
		return st.Connected && st.Network == ""
	})
	if st := do(wire.LocalStatus); st.Control != wire.ControlNone {
		t.Errorf("control %q after the outage, want none until the sharer allows again", st.Control)
	}
	h.mu.Lock()
	var reason wire.Reason
	for _, e := range h.envs {
		if e.Type == wire.TypeControl && e.State == wire.StateRevoked {
			reason = e.Reason
		}
	}
	h.mu.Unlock()
	if reason != wire.ReasonNetworkInterrupted {
		t.Errorf("helper's revoke reason %q, want %q", reason, wire.ReasonNetworkInterrupted)
	}
}

// A helper that cannot be reached within 15 s is explained on the sharer's
// side too (status network-blocked: what to ask the network administrator
// to allow); the daemon keeps restarting, and the explanation goes once a
// path works.
func TestSharerExplainsBlockedPath(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h, do, blocked := pathSession(t, ctx)
	blocked.Store(true)
	start := time.Now()
	do(wire.LocalAllow)
	eventually(t, "network-blocked", 20*time.Second, func() bool { return do(wire.LocalStatus).Network == wire.ReasonNetworkBlocked })
	if took := time.Since(start); took < 14*time.Second {
		t.Errorf("network-blocked after %v, want about 15 s", took.Round(time.Millisecond))
	}
	if st := do(wire.LocalStatus); st.Connected || st.Restarts == 0 {
		t.Errorf("blocked status: connected %v, restarts %d; want not connected and restarts going on", st.Connected, st.Restarts)
	}
	blocked.Store(false)
	eventually(t, "the video", 10*time.Second, func() bool { return h.frameCount() > 0 })
	eventually(t, "the explanation gone", 5*time.Second, func() bool {
		st := do(wire.LocalStatus)
		return st.Connected && st.Network == ""
	})
}
