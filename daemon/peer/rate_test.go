package peer

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// runGuard feeds the guard lossFn(second) at 100 packets a second for secs
// seconds with GCC's delay-based estimate at delay, and returns the target
// at the end of each second.
func runGuard(g *lossGuard, secs int, delay int, lossFn func(sec int) float64) []int {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Unix(1700000000, 0)
	cur := 1_000_000
	var out []int
	for s := range secs {
		for range 10 { // one rateInterval each
			lost := 0
			for range 10 {
				if rng.Float64() < lossFn(s) {
					lost++
				}
			}
			now = now.Add(rateInterval)
			cur = g.update(now, 10, lost, delay, cur)
		}
		out = append(out, cur)
	}
	return out
}

// TestLossGuardToleratesRandomLoss: with a steady 5 % random loss the
// target follows the delay-based estimate (GCC's own loss rule would hold
// it, and after any decrease keep it down).
func TestLossGuardToleratesRandomLoss(t *testing.T) {
	g := newLossGuard(150_000, 12_000_000)
	got := runGuard(g, 30, 1_800_000, func(int) float64 { return 0.05 })
	if last := got[len(got)-1]; last != 1_800_000 {
		t.Errorf("target after 30 s of 5 %% random loss = %d, want the delay-based 1800000 (per second: %v)", last, got)
	}
}

// TestLossGuardBacksOffOnCongestionLoss: loss well above the standing loss
// lowers the target within a few seconds, and it climbs back once the
// loss returns to the standing level.
func TestLossGuardBacksOffOnCongestionLoss(t *testing.T) {
	g := newLossGuard(150_000, 12_000_000)
	loss := func(s int) float64 {
		if s >= 10 && s < 15 {
			return 0.35 // a queue overflowing
		}
		return 0.05
	}
	got := runGuard(g, 40, 1_800_000, loss)
	if got[14] > 900_000 {
		t.Errorf("target after 5 s of 35 %% loss = %d, want it at most half of 1800000 (per second: %v)", got[14], got)
	}
	if got[39] != 1_800_000 {
		t.Errorf("target 25 s after the loss ended = %d, want back at 1800000 (per second: %v)", got[39], got)
	}
}

// TestLossGuardHeavySteadyLoss: a path that always loses 30 % counts as
// congested (the standing loss is capped), so the target falls.
func TestLossGuardHeavySteadyLoss(t *testing.T) {
	g := newLossGuard(150_000, 12_000_000)
	got := runGuard(g, 20, 1_800_000, func(int) float64 { return 0.30 })
	if last := got[len(got)-1]; last > 300_000 {
		t.Errorf("target after 20 s of 30 %% loss = %d, want near the minimum (per second: %v)", last, got)
	}
}

// TestLossMeterCountsFeedback: both chunk kinds, and padding symbols past
// the packet status count are not counted.
func TestLossMeterCountsFeedback(t *testing.T) {
	var m lossMeter
	m.add(&rtcp.TransportLayerCC{
		PacketStatusCount: 20,
		PacketChunks: []rtcp.PacketStatusChunk{
			&rtcp.RunLengthChunk{PacketStatusSymbol: rtcp.TypeTCCPacketReceivedSmallDelta, RunLength: 10},
			&rtcp.RunLengthChunk{PacketStatusSymbol: rtcp.TypeTCCPacketNotReceived, RunLength: 3},
			&rtcp.StatusVectorChunk{SymbolSize: rtcp.TypeTCCSymbolSizeOneBit, SymbolList: []uint16{
				rtcp.TypeTCCPacketReceivedSmallDelta, rtcp.TypeTCCPacketNotReceived, rtcp.TypeTCCPacketReceivedSmallDelta,
				rtcp.TypeTCCPacketReceivedSmallDelta, rtcp.TypeTCCPacketReceivedSmallDelta, rtcp.TypeTCCPacketReceivedSmallDelta,
				rtcp.TypeTCCPacketReceivedSmallDelta, rtcp.TypeTCCPacketNotReceived, rtcp.TypeTCCPacketNotReceived,
				rtcp.TypeTCCPacketNotReceived, rtcp.TypeTCCPacketNotReceived, rtcp.TypeTCCPacketNotReceived,
				rtcp.TypeTCCPacketNotReceived, rtcp.TypeTCCPacketNotReceived,
			}},
		},
	})
	if p, l := m.take(); p != 20 || l != 4 {
		t.Errorf("take() = %d packets, %d lost; want 20, 4", p, l)
	}
	if p, l := m.take(); p != 0 || l != 0 {
		t.Errorf("second take() = %d, %d; want 0, 0", p, l)
	}
}

// TestResendTwice: packets in order are written once, a packet whose
// sequence number was sent already (the NACK responder's) twice.
func TestResendTwice(t *testing.T) {
	var mu sync.Mutex
	var written []uint16
	ic, err := resendTwice{}.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	w := ic.BindLocalStream(&interceptor.StreamInfo{SSRC: 1}, interceptor.RTPWriterFunc(
		func(h *rtp.Header, _ []byte, _ interceptor.Attributes) (int, error) {
			mu.Lock()
			written = append(written, h.SequenceNumber)
			mu.Unlock()
			return 0, nil
		}))
	for _, seq := range []uint16{65534, 65535, 0, 1, 65535, 2} {
		if _, err := w.Write(&rtp.Header{SequenceNumber: seq}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := []uint16{65534, 65535, 0, 1, 65535, 65535, 2}
	if len(written) != len(want) {
		t.Fatalf("written %v, want %v", written, want)
	}
	for i := range want {
		if written[i] != want[i] {
			t.Fatalf("written %v, want %v", written, want)
		}
	}
}

// The target may run at most 1.5 × ahead of what was sent over the last
// second, never below the initial rate: a sender that uses half its target
// keeps GCC's estimate from climbing past what the path was shown to carry.
func TestSentLimitFollowsWhatWasSent(t *testing.T) {
	l := sentLimit{initial: 1_000_000}
	var total uint64
	var got int
	for range 20 { // 2 s at 100 kB/s = 800 kbit/s
		total += 10_000
		got = l.limit(total)
	}
	if want := 1_200_000; got < want-1000 || got > want+1000 {
		t.Errorf("limit after 2 s at 800 kbit/s = %d, want %d (1.5 ×)", got, want)
	}
	for range 10 { // 1 s at 25 kB/s = 200 kbit/s: the old second has left the window
		total += 2_500
		got = l.limit(total)
	}
	if got != 1_000_000 {
		t.Errorf("limit after 1 s at 200 kbit/s = %d, want the initial rate 1000000", got)
	}
	if first := (&sentLimit{initial: 500_000}).limit(0); first != 500_000 {
		t.Errorf("first limit = %d, want the initial rate", first)
	}
}
