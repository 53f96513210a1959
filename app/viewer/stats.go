package viewer

import (
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
)

// Stats is a snapshot of what the helper's side sees of the stream.
type Stats struct {
	FPS              float64 // frames delivered over the last second
	BitrateKbps      int     // RTP bytes received over the last second
	PacketsLost      int64   // from the receiver's RTP statistics
	RTTMs            float64 // ICE round trip of the selected candidate pair
	FramesReceived   uint64  // frames delivered to OnFrame
	FramesDropped    uint64  // complete frames dropped while waiting for a keyframe
	LatencyMs        float64 // capture to delivery of the last frame; -1 when unknown
	KeyframeRequests uint64  // PLIs sent
	CursorBad        uint64  // cursor messages that failed validation
	CursorDropped    uint64  // cursor messages dropped because OnCursor lagged
	State            rtc.State
	Path             rtc.Path // the selected ICE candidate pair
}

// meter keeps per-second rates over ten 100 ms buckets.
type meter struct {
	mu       sync.Mutex // guards the fields below
	buckets  [10]bucket
	received uint64
	dropped  uint64
	latency  time.Duration
}

type bucket struct {
	slot          int64 // unix time / 100 ms
	frames, bytes int
}

func newMeter() *meter { return &meter{latency: -1} }

func (m *meter) at(now time.Time) *bucket {
	slot := now.UnixNano() / int64(100*time.Millisecond)
	b := &m.buckets[slot%int64(len(m.buckets))]
	if b.slot != slot {
		*b = bucket{slot: slot}
	}
	return b
}

func (m *meter) packet(now time.Time, n int) {
	m.mu.Lock()
	m.at(now).bytes += n
	m.mu.Unlock()
}

func (m *meter) frame(now time.Time, latency time.Duration) {
	m.mu.Lock()
	m.at(now).frames++
	m.received++
	m.latency = latency
	m.mu.Unlock()
}

func (m *meter) dropFrame() {
	m.mu.Lock()
	m.dropped++
	m.mu.Unlock()
}

// rates sums the buckets of the last second.
func (m *meter) rates(now time.Time) (fps float64, kbps int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := now.UnixNano() / int64(100*time.Millisecond)
	frames, bytes := 0, 0
	for _, b := range m.buckets {
		if b.slot > cur-int64(len(m.buckets)) && b.slot <= cur {
			frames += b.frames
			bytes += b.bytes
		}
	}
	return float64(frames), bytes * 8 / 1000
}

// Stats returns the current numbers. It asks pion for loss and RTT and may
// take a few milliseconds.
func (v *Viewer) Stats() Stats {
	now := time.Now()
	s := Stats{
		KeyframeRequests: v.keyRequests.Load(),
		CursorBad:        v.cursorBad.Load(),
		CursorDropped:    v.cursorDropped.Load(),
		State:            v.sig.State(),
	}
	s.FPS, s.BitrateKbps = v.st.rates(now)
	v.st.mu.Lock()
	s.FramesReceived, s.FramesDropped = v.st.received, v.st.dropped
	s.LatencyMs = -1
	if v.st.latency >= 0 {
		s.LatencyMs = float64(v.st.latency) / float64(time.Millisecond)
	}
	v.st.mu.Unlock()
	if s.State == rtc.StateClosed {
		return s
	}
	s.Path = rtc.SelectedPath(v.pc)
	for _, st := range v.pc.GetStats() {
		switch x := st.(type) {
		case webrtc.InboundRTPStreamStats:
			s.PacketsLost += int64(x.PacketsLost)
		case webrtc.ICECandidatePairStats:
			if x.Nominated && x.CurrentRoundTripTime > 0 {
				s.RTTMs = x.CurrentRoundTripTime * 1000
			}
		}
	}
	return s
}
