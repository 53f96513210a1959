package peer

import "time"

// Pacing. Without it a keyframe leaves in one burst at the speed of the
// local link: on a 2 Mbit/s uplink with a router queue of ~100 ms, a 60 KB
// keyframe overflows the queue, its lost packets are retransmitted into the
// same queue, and on a 150 ms path with some random loss no keyframe ever
// arrives complete (measured: test/netpath TestImpairedPath, see
// docs/networks.md). The writer therefore spreads each frame's packets at
// paceFactor times the congestion controller's target (as libwebrtc's pacer
// does), with a burst allowance of paceBurst: a small delta frame still
// leaves at once, a keyframe takes a few tens of milliseconds. Conn.Backlog
// tells the capture loop to wait while a frame is being paced out, so the
// frame rate drops instead of frames being dropped after encoding.
const (
	paceFactor  = 1.5
	paceBurst   = 10 * time.Millisecond
	paceMinRate = 500_000 // bit/s: never slower than this
)

// pacer is a token bucket in time: next is when the next packet may leave.
// Used only by the writer goroutine.
type pacer struct {
	next time.Time
}

// wait blocks until a packet of n bytes may leave at target bit/s times
// paceFactor, and books its share of time.
func (p *pacer) wait(n int, target int64) {
	rate := max(int64(float64(target)*paceFactor), paceMinRate)
	now := time.Now()
	if floor := now.Add(-paceBurst); p.next.Before(floor) {
		p.next = floor
	}
	if d := p.next.Sub(now); d > 0 {
		time.Sleep(d)
	}
	p.next = p.next.Add(time.Duration(int64(n) * 8 * int64(time.Second) / rate))
}
