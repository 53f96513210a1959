package integration_test

import (
	"context"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/peer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// step runs one stage of a scenario with its own deadline and stops the
// scenario at the first failing stage (later ones depend on it).
func step(t *testing.T, name string, fn func(t *testing.T)) {
	t.Helper()
	if t.Failed() {
		return
	}
	if !t.Run(name, fn) {
		t.FailNow()
	}
}

// TestPairEndToEnd connects a real sharer peer and helper viewer over
// loopback UDP and exercises every path between them in order.
func TestPairEndToEnd(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	src := newVP8Source(t, 320, 240, 800)

	pr := newPair(t, pairOptions{})
	pr.connect(ctx)

	step(t, "frames", func(t *testing.T) {
		recv(ctx, t, "initial keyframe request", pr.keyReqs)
		pr.sendFrames(ctx, t, src, 30)
	})

	step(t, "input reaches OnData", func(t *testing.T) {
		tests := []struct {
			name    string
			send    func() error
			channel string
			want    any
		}{
			{"move", func() error { return pr.v.SendInput(wire.InputEvent{T: wire.InputMove, X: 0.25, Y: 0.75}) },
				wire.ChannelPointer, wire.InputEvent{T: wire.InputMove, X: 0.25, Y: 0.75}},
			{"keydown", func() error { return pr.v.SendInput(wire.InputEvent{T: wire.InputKeyDown, Code: "KeyA"}) },
				wire.ChannelInput, wire.InputEvent{T: wire.InputKeyDown, Code: "KeyA"}},
			{"click", func() error {
				return pr.v.SendInput(wire.InputEvent{T: wire.InputButtonDown, X: 0.5, Y: 0.5, Button: wire.ButtonRight})
			}, wire.ChannelInput, wire.InputEvent{T: wire.InputButtonDown, X: 0.5, Y: 0.5, Button: wire.ButtonRight}},
			{"stroke", func() error {
				return pr.v.SendAnnotation(wire.Annotation{T: wire.AnnotateStroke, ID: 7, Color: "#ff0000", Width: 3,
					Points: []wire.Point{{X: 0.1, Y: 0.2}, {X: 0.3, Y: 0.4}}})
			}, wire.ChannelAnnotate, wire.Annotation{T: wire.AnnotateStroke, ID: 7, Color: "#ff0000", Width: 3,
				Points: []wire.Point{{X: 0.1, Y: 0.2}, {X: 0.3, Y: 0.4}}}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if err := tc.send(); err != nil {
					t.Fatalf("send = %v", err)
				}
				m := recv(ctx, t, "data message", pr.data)
				if m.channel != tc.channel {
					t.Errorf("channel = %q, want %q", m.channel, tc.channel)
				}
				var got any
				var err error
				if tc.channel == wire.ChannelAnnotate {
					got, err = wire.DecodeAnnotation(m.b)
				} else {
					got, err = wire.DecodeInput(m.b)
				}
				if err != nil {
					t.Fatalf("decode %q = %v", m.b, err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("OnData got %+v, want %+v", got, tc.want)
				}
			})
		}
	})

	step(t, "invalid input is refused before sending", func(t *testing.T) {
		err := pr.v.SendInput(wire.InputEvent{T: wire.InputMove, X: 2})
		if err == nil {
			t.Fatal("SendInput(x=2) = nil, want error")
		}
		select {
		case m := <-pr.data:
			t.Fatalf("invalid event reached the sharer: %q", m.b)
		case <-time.After(200 * time.Millisecond):
		}
	})

	step(t, "cursor reaches OnCursor", func(t *testing.T) {
		msgs := []wire.Cursor{
			{T: wire.CursorShape, W: 2, H: 2, HotX: 1, HotY: 1, PNG: []byte{0x89, 'P', 'N', 'G'}, Serial: 3},
			{T: wire.CursorPosition, X: 0.5, Y: 0.25, Visible: true},
		}
		for _, c := range msgs {
			if err := pr.p.SendCursor(mustJSON(t, c)); err != nil {
				t.Fatalf("SendCursor(%s) = %v", c.T, err)
			}
		}
		if err := pr.p.SendCursor([]byte(`{"t":"pos","x":7}`)); err != nil {
			t.Fatalf("SendCursor(bad) = %v", err)
		}
		for _, want := range msgs {
			got := recv(ctx, t, "cursor", pr.cursors)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("OnCursor got %+v, want %+v", got, want)
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for pr.v.Stats().CursorBad != 1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := pr.v.Stats().CursorBad; got != 1 {
			t.Errorf("CursorBad = %d, want 1", got)
		}
	})

	step(t, "cursor under backpressure keeps shapes and the last position", func(t *testing.T) {
		png := make([]byte, 9<<10)
		for i := range png {
			png[i] = byte(i)
		}
		const shapes, positions = 10, 40
		for i := 0; i < shapes; i++ {
			c := wire.Cursor{T: wire.CursorShape, W: 32, H: 32, PNG: png, Serial: uint32(i + 1)}
			if err := pr.p.SendCursor(mustJSON(t, c)); err != nil {
				t.Fatalf("SendCursor(shape %d) = %v", i, err)
			}
		}
		last := wire.Cursor{}
		for i := 1; i <= positions; i++ {
			last = wire.Cursor{T: wire.CursorPosition, X: float64(i) / positions, Y: 0.5, Visible: true}
			if err := pr.p.SendCursor(mustJSON(t, last)); err != nil {
				t.Fatalf("SendCursor(position %d) = %v", i, err)
			}
		}
		gotShapes := 0
		for {
			c := recv(ctx, t, "cursor", pr.cursors)
			if c.T == wire.CursorShape {
				gotShapes++
				if c.Serial != uint32(gotShapes) {
					t.Errorf("shape serial %d arrived as shape %d", c.Serial, gotShapes)
				}
				continue
			}
			if reflect.DeepEqual(c, last) {
				break
			}
		}
		if gotShapes != shapes {
			t.Errorf("shapes received = %d, want %d", gotShapes, shapes)
		}
	})

	step(t, "PLI triggers OnKeyframeRequest", func(t *testing.T) {
		drain(pr.keyReqs)
		pr.v.RequestKeyframe()
		recv(ctx, t, "keyframe request", pr.keyReqs)
	})

	step(t, "the viewer's frame-rate limit reaches OnMaxFPS", func(t *testing.T) {
		drain(pr.maxFPS)
		pr.v.SetMaxFPS(12)
		if got := recv(ctx, t, "frame-rate limit", pr.maxFPS); got != 12 {
			t.Errorf("limit %d arrived, want 12", got)
		}
		pr.v.SetMaxFPS(0)
		if got := recv(ctx, t, "lifted limit", pr.maxFPS); got != 0 {
			t.Errorf("limit %d arrived, want 0 (lifted)", got)
		}
	})

	step(t, "stats", func(t *testing.T) {
		ps, vs := pr.p.Stats(), pr.v.Stats()
		if ps.FramesSent == 0 || ps.BytesSent == 0 || ps.TargetBitrateKbps <= 0 {
			t.Errorf("peer stats %+v: want frames, bytes and a target bitrate", ps)
		}
		if vs.FramesReceived != ps.FramesSent {
			t.Errorf("viewer FramesReceived = %d, want peer FramesSent %d", vs.FramesReceived, ps.FramesSent)
		}
		if vs.LatencyMs < 0 {
			t.Errorf("viewer LatencyMs = %v, want a measured latency", vs.LatencyMs)
		}
		if vs.State != rtc.StateConnected || ps.State != rtc.StateConnected {
			t.Errorf("states = %v/%v, want connected", ps.State, vs.State)
		}
		// Round trips come from STUN checks and RTCP reports, which take a moment.
		deadline := time.Now().Add(10 * time.Second)
		for (pr.p.Stats().RTT <= 0 || pr.v.Stats().RTTMs <= 0) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if rtt := pr.p.Stats().RTT; rtt <= 0 || rtt > time.Second {
			t.Errorf("peer RTT = %v, want a loopback round trip", rtt)
		}
		if rtt := pr.v.Stats().RTTMs; rtt <= 0 || rtt > 1000 {
			t.Errorf("viewer RTTMs = %v, want a loopback round trip", rtt)
		}
		// The connection reports the initial target at connect; GCC then
		// moves it on transport-cc feedback. The target may run at most
		// 1.5 × ahead of what was sent over the last second (daemon/peer's
		// sentLimit), so keep frames of a few Mbit/s flowing until it moves.
		first := peer.DefaultInitialBitrateKbps
		busy := newVP8Source(t, 640, 480, 3000)
		for moved := false; !moved; {
			if ctx.Err() != nil {
				t.Fatalf("no bitrate estimate from GCC other than the initial %d kbps: %v", first, ctx.Err())
			}
			pr.sendFrames(ctx, t, busy, 20)
			for drained := false; !drained; {
				select {
				case kbps := <-pr.rates:
					if kbps < peer.DefaultMinBitrateKbps || kbps > peer.DefaultMaxBitrateKbps {
						t.Errorf("OnBitrate(%d), want within [%d, %d]", kbps, peer.DefaultMinBitrateKbps, peer.DefaultMaxBitrateKbps)
					}
					if kbps != first && !moved {
						moved = true
						t.Logf("GCC estimate %d kbps", kbps)
					}
				default:
					drained = true
				}
			}
		}
	})

	step(t, "ICE restart keeps media flowing", func(t *testing.T) {
		if err := pr.p.Restart(ctx); err != nil {
			t.Fatalf("Restart() = %v", err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for pr.restarts.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if pr.restarts.Load() != 1 {
			t.Fatalf("restart offers = %d, want 1", pr.restarts.Load())
		}
		drain(pr.keyReqs)
		pr.sendFrames(ctx, t, src, 20)
		if vs := pr.v.Stats(); vs.FPS <= 0 || vs.BitrateKbps <= 0 {
			t.Errorf("viewer FPS = %v, BitrateKbps = %d; want both > 0 right after frames", vs.FPS, vs.BitrateKbps)
		}
		if pr.p.Stats().State != rtc.StateConnected {
			t.Errorf("peer state after restart = %v, want connected", pr.p.Stats().State)
		}
	})

	step(t, "viewer Close is seen by the peer", func(t *testing.T) {
		if err := pr.v.Close(); err != nil {
			t.Fatalf("viewer Close() = %v", err)
		}
		waitState(ctx, t, "peer", pr.pStates, rtc.StateDisconnected, rtc.StateFailed, rtc.StateClosed)
		if err := pr.v.SendInput(wire.InputEvent{T: wire.InputReleaseAll}); err != rtc.ErrClosed {
			t.Errorf("SendInput after Close = %v, want rtc.ErrClosed", err)
		}
		if err := pr.p.Close(); err != nil {
			t.Errorf("peer Close() = %v", err)
		}
		if err := pr.p.WriteFrame([]byte{1}, false, time.Now()); err != rtc.ErrClosed {
			t.Errorf("WriteFrame after Close = %v, want rtc.ErrClosed", err)
		}
	})

	pr.close()
	checkGoroutines(t, base)
}

// TestPeerCloseSeenByViewer checks the other direction of a hang-up.
func TestPeerCloseSeenByViewer(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	pr := newPair(t, pairOptions{})
	pr.connect(ctx)
	if err := pr.p.Close(); err != nil {
		t.Fatalf("peer Close() = %v", err)
	}
	waitState(ctx, t, "viewer", pr.vStates, rtc.StateDisconnected, rtc.StateFailed, rtc.StateClosed)
	pr.close()
	checkGoroutines(t, base)
}
