package peer

import "time"

// Pacing. Without it a keyframe leaves in one burst at the speed of the
// local link: on a 2 Mbit/s uplink with a router queue of ~100 ms, a 60 KB
// keyframe overflows the queue, its lost packets are retransmitted into the
// same queue, and on a 150 ms path with some random loss no keyframe ever
// arrives complete (measured: test/netpath TestImpairedPath, see
// docs/networks.md). The writer therefore spreads each frame's packets at
// paceFactor times the congestion controller's target (as libwebrtc's pacer
// does), with a burst allowance of paceBurst or paceBurstBytes, whichever
// is more: a delta frame still leaves at once, a keyframe takes a few tens
// of milliseconds. Conn.Backlog tells the capture loop to wait while a
// frame is being paced out, so the frame rate drops instead of frames being
// dropped after encoding.
//
// paceBurstBytes, only on a short path (a round trip under shortPathRTT:
// the same LAN, or this computer): with only 10 ms of burst, a frame of a
// scrolling page (5–10 KB) was paced out over 20–30 ms at the ~1.5 Mbit/s
// the target follows on a fast path (the target follows what is sent,
// rate.go), and the capture loop waited for it: 18–32 ms of every frame's
// latency in bench-compare's scrolling workload. On a long slow path the
// burst overflowed test/netpath's token bucket (2 Mbit/s, 16 KB burst,
// 100 ms queue, 5 % loss; TestImpairedPath: ~190 packets dropped by the
// bucket and 8 s without a frame in 2 of 3 runs), so there it stays 10 ms.
//
// paceShortMinRate, also only on a short path, is the slowest a frame is
// paced there. The target starts at 1 Mbit/s and follows what is sent, so
// a keyframe of a screen of text (100–300 KB) was paced out at 1.5 Mbit/s
// over 0.7–1.8 s on this computer's loopback: the first picture of a
// session came ~0.9 s after Allow (bench-compare's start workload), and
// every keyframe held the changes behind it as long. A path with a round
// trip under 20 ms is a local network (tens of Mbit/s and more); if its
// link is slower after all, a burst waits in its queue or is repaired by a
// retransmission one short round trip later.
const (
	paceFactor       = 1.5
	paceBurst        = 10 * time.Millisecond
	paceBurstBytes   = 16_000
	paceMinRate      = 500_000    // bit/s: never slower than this
	paceShortMinRate = 25_000_000 // bit/s, on a short path
	shortPathRTT     = 20 * time.Millisecond
)

// rate is the pacing rate in bit/s for the congestion controller's target.
func (p *pacer) rate(target int64) int64 {
	floor := int64(paceMinRate)
	if p.short {
		floor = paceShortMinRate
	}
	return max(int64(float64(target)*paceFactor), floor)
}

// endOf is when a frame of n bytes would be paced out at target if it
// started now, without booking it.
func (p *pacer) endOf(n int, target int64) time.Time {
	rate := p.rate(target)
	start := time.Now().Add(-p.burst(rate))
	if p.next.After(start) {
		start = p.next
	}
	return start.Add(time.Duration(int64(n) * 8 * int64(time.Second) / rate))
}

// pacer is a token bucket in time: next is when the next packet may leave.
// Used only by the writer goroutine.
type pacer struct {
	next  time.Time
	short bool // the path is short: bursts of up to paceBurstBytes
}

// burst is the allowance at rate bit/s.
func (p *pacer) burst(rate int64) time.Duration {
	if !p.short {
		return paceBurst
	}
	return max(paceBurst, time.Duration(paceBurstBytes*8*int64(time.Second)/rate))
}

// wait blocks until a packet of n bytes may leave at target bit/s times
// paceFactor, and books its share of time.
func (p *pacer) wait(n int, target int64) {
	rate := p.rate(target)
	now := time.Now()
	if floor := now.Add(-p.burst(rate)); p.next.Before(floor) {
		p.next = floor
	}
	if d := p.next.Sub(now); d > 0 {
		time.Sleep(d)
	}
	p.next = p.next.Add(time.Duration(int64(n) * 8 * int64(time.Second) / rate))
}
