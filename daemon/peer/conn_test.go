package peer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

func nopSignal(wire.Envelope) error { return nil }

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no signal", Config{}},
		{"unknown codec", Config{Signal: nopSignal, Codec: "av1"}},
		{"min above initial", Config{Signal: nopSignal, MinBitrateKbps: 3000, InitialBitrateKbps: 1000}},
		{"initial above max", Config{Signal: nopSignal, InitialBitrateKbps: 9000, MaxBitrateKbps: 1000}},
		{"ice server without urls", Config{Signal: nopSignal, ICEServers: []wire.ICEServer{{Username: "u"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cfg)
			if !errors.Is(err, rtc.ErrInvalidConfig) {
				if c != nil {
					_ = c.Close()
				}
				t.Fatalf("New(%s) = %v, want rtc.ErrInvalidConfig", tc.name, err)
			}
		})
	}
}

func TestConnLifecycle(t *testing.T) {
	var offers []wire.Envelope
	sig := make(chan wire.Envelope, 64)
	c, err := New(Config{Signal: func(e wire.Envelope) error { sig <- e; return nil }})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Restart(ctx); !errors.Is(err, rtc.ErrNotStarted) {
		t.Errorf("Restart() before Start = %v, want rtc.ErrNotStarted", err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	for len(offers) == 0 {
		select {
		case e := <-sig:
			if e.Type == wire.TypeOffer {
				offers = append(offers, e)
			}
		case <-ctx.Done():
			t.Fatal("no offer sent")
		}
	}
	if offers[0].Restart || offers[0].SDP == "" {
		t.Errorf("offer = restart %v, sdp %d bytes; want a first offer with SDP", offers[0].Restart, len(offers[0].SDP))
	}
	tests := []struct {
		name string
		env  wire.Envelope
	}{
		{"chat", wire.Envelope{Type: wire.TypeChat, Text: "hi"}},
		{"offer", wire.Envelope{Type: wire.TypeOffer, SDP: "v=0"}},
		{"answer without sdp", wire.Envelope{Type: wire.TypeAnswer}},
		{"garbage answer", wire.Envelope{Type: wire.TypeAnswer, SDP: "not sdp"}},
		{"candidate missing", wire.Envelope{Type: wire.TypeCandidate}},
	}
	for _, tc := range tests {
		if err := c.HandleSignal(ctx, tc.env); !errors.Is(err, rtc.ErrBadSignal) {
			t.Errorf("HandleSignal(%s) = %v, want rtc.ErrBadSignal", tc.name, err)
		}
	}
	// Candidates before the answer are buffered, up to a bound.
	for i := 0; i < rtc.MaxPendingCandidates; i++ {
		if err := c.HandleSignal(ctx, wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}}); err != nil {
			t.Fatalf("HandleSignal(candidate %d) = %v", i, err)
		}
	}
	if err := c.HandleSignal(ctx, wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}}); !errors.Is(err, rtc.ErrBadSignal) {
		t.Errorf("HandleSignal(candidate beyond bound) = %v, want rtc.ErrBadSignal", err)
	}
	if err := c.WriteFrame(make([]byte, wire.MaxFrameBytes+1), true, time.Now()); !errors.Is(err, rtc.ErrFrameTooLarge) {
		t.Errorf("WriteFrame(too large) = %v, want rtc.ErrFrameTooLarge", err)
	}
	if err := c.SendCursor([]byte(`{"t":"pos","x":0.5,"y":0.5}`)); !errors.Is(err, rtc.ErrChannelNotOpen) {
		t.Errorf("SendCursor before connect = %v, want rtc.ErrChannelNotOpen", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	if err := c.Start(ctx); !errors.Is(err, rtc.ErrClosed) {
		t.Errorf("Start after Close = %v, want rtc.ErrClosed", err)
	}
	if err := c.HandleSignal(ctx, wire.Envelope{Type: wire.TypeAnswer, SDP: "v=0"}); !errors.Is(err, rtc.ErrClosed) {
		t.Errorf("HandleSignal after Close = %v, want rtc.ErrClosed", err)
	}
	if s := c.Stats(); s.State != rtc.StateClosed {
		t.Errorf("Stats().State after Close = %v, want closed", s.State)
	}
}
