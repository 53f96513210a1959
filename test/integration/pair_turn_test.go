package integration_test

import (
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/signaling/turn"
	"github.com/quickhelp/quickhelp/wire"
)

// TestPairThroughTURNRelay forces relay-only ICE on both sides through the
// service's real embedded TURN relay (DevMode, so it may relay to loopback)
// and checks that media, data and cursor still flow.
func TestPairThroughTURNRelay(t *testing.T) {
	t.Parallel()
	relay, err := turn.New(turn.Config{
		ListenUDP: "127.0.0.1:0",
		ListenTCP: "off",
		Secret:    []byte("0123456789abcdef0123456789abcdef"),
		DevMode:   true,
	})
	if err != nil {
		t.Fatalf("turn.New() = %v", err)
	}
	defer relay.Close()
	servers := relay.ICEServers("session-relay-test")
	if len(servers) == 0 {
		t.Fatal("ICEServers() returned none")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	pr := newPair(t, pairOptions{iceServers: servers, policy: webrtc.ICETransportPolicyRelay})
	pr.connect(ctx)
	if n := relay.Allocations(); n < 2 {
		t.Errorf("relay allocations = %d, want at least 2 (one per side)", n)
	}
	if p, v := pr.p.Stats().Path, pr.v.Stats().Path; p.Local != "relay" || v.Local != "relay" || p.LocalRelayProtocol != "udp" {
		t.Errorf("selected paths: sharer %+v, helper %+v; want local relay over udp on both", p, v)
	}
	recv(ctx, t, "initial keyframe request", pr.keyReqs)
	pr.sendFrames(ctx, t, newVP8Source(t, 320, 240, 800), 20)

	if err := pr.v.SendInput(wire.InputEvent{T: wire.InputKeyDown, Code: "Enter"}); err != nil {
		t.Fatalf("SendInput() = %v", err)
	}
	if m := recv(ctx, t, "input", pr.data); m.channel != wire.ChannelInput {
		t.Errorf("input arrived on %q, want %q", m.channel, wire.ChannelInput)
	}
	if err := pr.p.SendCursor(mustJSON(t, wire.Cursor{T: wire.CursorPosition, X: 0.1, Y: 0.9, Visible: true})); err != nil {
		t.Fatalf("SendCursor() = %v", err)
	}
	if c := recv(ctx, t, "cursor", pr.cursors); c.X != 0.1 || c.Y != 0.9 {
		t.Errorf("OnCursor got %+v, want x=0.1 y=0.9", c)
	}
}
