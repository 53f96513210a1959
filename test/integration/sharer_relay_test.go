package integration_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/wire"
)

// TestForceRelayPolicy: with the machine policy ForceRelay the sharer
// offers relay candidates only (through the service's real TURN relay),
// although the service allows every path, and the screen still reaches
// the helper.
func TestForceRelayPolicy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	x := startScreen(t, ctx, 640, 480)
	relay, env := relayService(t)
	api, token := signInHelper(t, ctx, env)
	h, code := newHelper(ctx, t, api, token)
	defer h.close()

	d, err := sharer.New(sharer.Config{ServerURL: env.URL, Display: x.Display, PeerSettings: loopbackICE,
		ForceRelay: func() bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, do := serveLocal(t, ctx, d)
	if err := d.Join(ctx, code, ""); err != nil {
		t.Fatalf("join: %v", err)
	}
	do(wire.LocalAllow)
	eventually(t, "the first frame", 30*time.Second, func() bool { return h.frameCount() > 0 })

	h.mu.Lock()
	defer h.mu.Unlock()
	var relayed int
	for _, e := range h.envs {
		for _, c := range signalledCandidates(e) {
			if !strings.Contains(c, " typ relay") {
				t.Errorf("the sharer offered a non-relay candidate under ForceRelay: %q", c)
			}
			relayed++
		}
	}
	if relayed == 0 {
		t.Error("no relay candidate reached the helper")
	}
	if relay.Allocations() < 1 {
		t.Errorf("relay allocations = %d, want the sharer's", relay.Allocations())
	}
}
