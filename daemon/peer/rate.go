package peer

import (
	"slices"
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// Rate control. pion's GCC is two controllers whose minimum is the target:
// a delay-based one (queues growing) and a loss-based one that follows
// draft-ietf-rmcat-gcc-02: it lowers the rate above 10 % loss, holds it
// between 2 and 10 % and raises it only below 2 %, and it follows every
// decrease of the delay-based estimate. On a path with a steady random
// loss above 2 % (Wi-Fi, a busy mobile link; the test path's 5 %) the
// target can then only go down: one short burst of queueing, and the
// picture stays at a few frames a second for the rest of the session
// (measured on test/netpath TestImpairedPath: from 1 Mbit/s down to
// 150–200 kbit/s within 20 s, while the delay-based estimate stayed above
// 1 Mbit/s). Its loss figure is also an average over a few packets at a
// time, which at a low rate swings between 0 and 40 % on 5 % random loss.
//
// lossGuard is the loss rule used instead, with GCC's delay-based estimate.
// It counts packets and losses itself from the helper's transport-wide
// feedback, in one-second buckets, and treats loss as congestion only above
// the path's standing loss: the lossFloorRank-th lowest loss of the last
// lossFloorSpan seconds that carried at least lossMinPackets packets (random
// loss is always there, congestion loss comes and goes with the queue), at
// most lossFloorMax, so a path that loses more than that all the time still
// counts as congested. A second whose loss is more than lossDecrease above
// the standing loss lowers the limit by half the excess, as GCC would; one
// within lossIncrease of it raises the limit by 8 %, so the delay-based
// estimate, which sees queues building, leads again.
const (
	lossFloorSpan  = 20 // seconds
	lossFloorRank  = 4  // the fifth lowest: a few lucky seconds do not make the floor
	lossFloorMax   = 0.10
	lossMinPackets = 20
	lossDecrease   = 0.10
	lossIncrease   = 0.05
	lossIncFactor  = 1.08
	rateInterval   = 100 * time.Millisecond // how often the target is recomputed
	sentSpan       = 10                     // rate intervals over which the sent rate is measured (1 s)
	sentHeadroom   = 1.5                    // the target may run this far ahead of what was sent
)

// sentLimit keeps the target near what the encoder really sends. GCC's
// delay-based estimate rises while queues stay empty, and they stay empty
// when the sender sends less than the target: a screen encoder coding only
// what changed sends a half or a third of it. The estimate then climbs far
// above what the path was ever shown to carry (test/netpath
// TestImpairedPath: 1.75 Mbit/s on a 2 Mbit/s link while 0.5 Mbit/s was
// sent), and the first frames that use it, paced at 1.5 × the target,
// overflow the link's queue: a burst of loss whose retransmissions crowd
// out the keyframe that would repair it (stalls of 1.3–9 s). As in
// libwebrtc's GCC, the target may be at most sentHeadroom × the rate sent
// over the last second, and never below the initial rate, which is safe to
// start at.
type sentLimit struct {
	initial int                  // bit/s
	totals  [sentSpan + 1]uint64 // bytes sent, one sample per rate interval, ring
	n       int                  // samples taken
}

// limit records total (bytes sent so far) and returns the highest target
// the sent rate allows, in bit/s.
func (l *sentLimit) limit(total uint64) int {
	l.totals[l.n%len(l.totals)] = total
	l.n++
	if l.n < len(l.totals) {
		return max(l.initial, l.maxFor(total-l.totals[0], l.n-1))
	}
	return max(l.initial, l.maxFor(total-l.totals[l.n%len(l.totals)], sentSpan))
}

func (l *sentLimit) maxFor(bytes uint64, intervals int) int {
	if intervals <= 0 {
		return 0
	}
	secs := float64(intervals) * rateInterval.Seconds()
	return int(float64(bytes) * 8 / secs * sentHeadroom)
}

// lossMeter counts feedback about sent packets. add runs on the RTCP
// reader, take on the rate loop.
type lossMeter struct {
	mu            sync.Mutex // guards the counts
	packets, lost int
}

// add counts the packet states of one transport-wide feedback packet.
func (m *lossMeter) add(fb *rtcp.TransportLayerCC) {
	left := int(fb.PacketStatusCount)
	packets, lost := 0, 0
	for _, ch := range fb.PacketChunks {
		switch c := ch.(type) {
		case *rtcp.RunLengthChunk:
			n := min(int(c.RunLength), left)
			packets += n
			if c.PacketStatusSymbol == rtcp.TypeTCCPacketNotReceived {
				lost += n
			}
			left -= n
		case *rtcp.StatusVectorChunk:
			for _, s := range c.SymbolList {
				if left == 0 {
					break
				}
				packets++
				if s == rtcp.TypeTCCPacketNotReceived {
					lost++
				}
				left--
			}
		}
	}
	m.mu.Lock()
	m.packets += packets
	m.lost += lost
	m.mu.Unlock()
}

// take returns the counts since the last take.
func (m *lossMeter) take() (packets, lost int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	packets, lost = m.packets, m.lost
	m.packets, m.lost = 0, 0
	return packets, lost
}

type lossGuard struct {
	minRate, maxRate int // bit/s

	limit int // bit/s, the loss rule's ceiling

	secStart      time.Time
	packets, lost int       // of the second that started at secStart
	secs          []float64 // loss of the last seconds with enough packets, newest last
}

func newLossGuard(minRate, maxRate int) *lossGuard {
	return &lossGuard{minRate: minRate, maxRate: maxRate, limit: maxRate, secs: make([]float64, 0, lossFloorSpan)}
}

// floor is the standing loss of the path, 0 until enough seconds are known.
func (g *lossGuard) floor() float64 {
	if len(g.secs) <= lossFloorRank {
		return 0
	}
	s := slices.Clone(g.secs)
	slices.Sort(s)
	return min(s[lossFloorRank], lossFloorMax)
}

// update adds the feedback counted since the last call and returns the
// new target from GCC's delay-based target (bit/s; 0 when it has none yet)
// and the target in use.
func (g *lossGuard) update(now time.Time, packets, lost, delayTarget, current int) int {
	if g.secStart.IsZero() {
		g.secStart = now
	}
	g.packets += packets
	g.lost += lost
	if now.Sub(g.secStart) >= time.Second {
		g.endSecond(current)
		g.secStart = now
	}
	if delayTarget <= 0 {
		delayTarget = current
	}
	return min(max(min(delayTarget, g.limit), g.minRate), g.maxRate)
}

// endSecond applies the loss rule to the second just ended, in which
// current was the target.
func (g *lossGuard) endSecond(current int) {
	packets, lost := g.packets, g.lost
	g.packets, g.lost = 0, 0
	if packets < lossMinPackets {
		return // too few to tell
	}
	loss := float64(lost) / float64(packets)
	excess := loss - g.floor()
	if len(g.secs) == lossFloorSpan {
		g.secs = slices.Delete(g.secs, 0, 1)
	}
	g.secs = append(g.secs, loss)
	switch {
	case excess > lossDecrease:
		g.limit = int(float64(min(g.limit, current)) * (1 - 0.5*excess))
	case excess < lossIncrease && g.limit < g.maxRate:
		// At most 1.5 × the target in use, so a limit that stopped
		// binding cannot run far ahead and be slow to bind again.
		g.limit = min(int(float64(g.limit)*lossIncFactor), max(current, g.minRate)*3/2)
	}
	g.limit = min(max(g.limit, g.minRate), g.maxRate)
}

// rateLoop recomputes the target from GCC's delay-based estimate and the
// loss rule every rateInterval until the connection closes, and reports
// changes through rateChanged.
func (c *Conn) rateLoop() {
	g := newLossGuard(c.cfg.MinBitrateKbps*1000, c.cfg.MaxBitrateKbps*1000)
	sent := sentLimit{initial: c.cfg.InitialBitrateKbps * 1000}
	rttKnown := false
	t := time.NewTicker(rateInterval)
	defer t.Stop()
	for {
		select {
		case <-c.q.Done():
			return
		case now := <-t.C:
			delay, _ := c.est.GetStats()["delayTargetBitrate"].(int)
			packets, lost := c.loss.take()
			cur := int(c.bitrate.Load())
			next := min(g.update(now, packets, lost, delay, cur), sent.limit(c.bytesSent.Load()))
			// The round trip: once a second, and every interval until the
			// ICE checks have measured one (so the first keyframe is paced
			// for the path it takes). The early checks read the selected
			// pair only: pion's GetStats races with a close it starts itself
			// (TestPairEndToEnd under -race).
			switch {
			case sent.n%sentSpan == 1:
				rtt := rttOf(c.pc.GetStats())
				rttKnown = rttKnown || rtt > 0
				c.shortPath.Store(rtt > 0 && rtt < shortPathRTT)
			case !rttKnown:
				if rtt := pairRTT(c.pc); rtt > 0 {
					rttKnown = true
					c.shortPath.Store(rtt < shortPathRTT)
				}
			}
			if next != cur {
				c.bitrate.Store(int64(next))
				c.rateChanged.Notify()
			}
		}
	}
}
