package viewer

import (
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// The assembler rebuilds VP8 frames from RTP packets. pion's samplebuilder
// was the first choice, but it releases a frame only once a packet of the
// NEXT frame has arrived: one frame interval of added latency, and on a
// static screen (where the encoder sends nothing new) an unbounded one. This
// assembler releases a frame as soon as its marker packet completes a
// contiguous run from a partition head, keeps packets across a bounded
// window so NACK retransmissions can fill gaps, and gives up on a gap after
// its wait (asmMaxWait, or lossWait of the path's round trip) or when the
// window fills.
const (
	asmWindow  = 1024 // packets buffered ahead of the next expected one
	asmMaxWait = 150 * time.Millisecond
	asmMaxData = 8 << 20 // wire.MaxFrameBytes: bigger frames are dropped
)

// A retransmission arrives one NACK interval plus one round trip after the
// loss. Giving up earlier turns every lost packet into a lost frame, a
// keyframe request and a keyframe: on a 150 ms round trip with a few
// percent loss the picture never recovers. So the wait grows with the
// round trip, bounded so a hopeless gap costs at most lossWaitMax of
// latency.
//
// nackInterval is how often the NACK generator asks again for every packet
// still missing (viewer.go sets it; pion's default is 100 ms). A lost NACK
// then costs 40 ms instead of 100, and the sharer ignores a repeated NACK
// for a packet it resent less than a round trip ago, so asking often does
// not multiply retransmissions.
const (
	nackInterval = 40 * time.Millisecond
	lossWaitMax  = 700 * time.Millisecond
)

// lossWait is how long the assembler waits for a missing packet on a path
// with round trip rtt (0 when unknown): 100 ms plus three round trips,
// time for three retransmissions of the same packet, since with a few
// percent loss each way a NACK or its retransmission is itself lost often
// enough that two rounds left a stall (a keyframe) every few seconds.
func lossWait(rtt time.Duration) time.Duration {
	return min(max(asmMaxWait, 100*time.Millisecond+3*rtt), lossWaitMax)
}

type asmPacket struct {
	seq     uint16
	ts      uint32
	marker  bool
	head    bool // first packet of a VP8 frame (S=1, partition 0)
	payload []byte
	header  rtp.Header
	at      time.Time // arrival
}

// assembledFrame is one complete VP8 frame.
type assembledFrame struct {
	data     []byte
	keyframe bool
	first    rtp.Header // header of the frame's first packet (carries abs-capture-time)
	afterGap bool       // packets were given up on before this frame: the decoder needs a keyframe
}

type assembler struct {
	slots      [asmWindow]*asmPacket
	next       uint16 // sequence number of the next frame's first packet
	haveNext   bool
	newest     uint16
	stuckSince time.Time     // when emission first waited on this gap; zero when not waiting
	gap        bool          // packets were skipped since the last emitted frame
	malformed  uint64        // packets whose VP8 descriptor did not parse
	lostFrames uint64        // frames given up on
	maxWait    time.Duration // how long to wait on a gap; 0 means asmMaxWait
}

func seqLess(a, b uint16) bool { return int16(a-b) < 0 }

func (a *assembler) slot(seq uint16) *asmPacket {
	p := a.slots[seq%asmWindow]
	if p == nil || p.seq != seq {
		return nil
	}
	return p
}

// push adds one packet and returns the frames it completed, in order.
func (a *assembler) push(pkt *rtp.Packet, now time.Time) []assembledFrame {
	var vp8 codecs.VP8Packet
	body, err := vp8.Unmarshal(pkt.Payload)
	if err != nil {
		a.malformed++
		return nil
	}
	p := &asmPacket{
		seq: pkt.SequenceNumber, ts: pkt.Timestamp, marker: pkt.Marker,
		head: vp8.S == 1 && vp8.PID == 0, payload: body, header: pkt.Header, at: now,
	}
	if !a.haveNext {
		if !p.head {
			a.gap = true
			return nil // cannot start in the middle of a frame
		}
		a.next, a.newest, a.haveNext = p.seq, p.seq, true
	}
	switch {
	case seqLess(p.seq, a.next):
		return nil // late or duplicate: its frame is gone already
	case int(p.seq-a.next) >= asmWindow:
		// Far ahead of what is buffered: a long outage. Start over.
		a.reset()
		if !p.head {
			return nil
		}
		a.next, a.newest, a.haveNext = p.seq, p.seq, true
	}
	a.slots[p.seq%asmWindow] = p
	if seqLess(a.newest, p.seq) {
		a.newest = p.seq
	}
	return a.emit(now)
}

func (a *assembler) reset() {
	for i := range a.slots {
		a.slots[i] = nil
	}
	a.haveNext, a.gap, a.stuckSince = false, true, time.Time{}
	a.lostFrames++
}

func (a *assembler) emit(now time.Time) []assembledFrame {
	var out []assembledFrame
	for a.haveNext {
		f, ok, gap := a.complete()
		if ok {
			out = append(out, f)
			continue
		}
		if !gap {
			// Every packet so far is here; the rest of the frame is on its way.
			a.stuckSince = time.Time{}
			break
		}
		// Waiting on a gap: give up once its oldest missing packet has been
		// missing for the wait, or when the window is full.
		if a.stuckSince.IsZero() {
			a.stuckSince = now
		}
		wait := a.maxWait
		if wait == 0 {
			wait = asmMaxWait
		}
		if now.Sub(a.gapSince()) < wait && int(a.newest-a.next) < asmWindow-1 {
			break
		}
		a.skip()
	}
	return out
}

// gapSince is when the oldest packet still missing was found missing: the
// arrival of the first packet after it. Timing the gap from when emission
// started to wait instead gave up on a big frame (a keyframe paced out over
// a second on a slow link) while its retransmissions were still arriving,
// since with a few percent loss such a frame always has a gap somewhere.
// When no packet is missing (the next frame began without this one's
// marker), it is when emission started to wait.
func (a *assembler) gapSince() time.Time {
	s := a.next
	for s != a.newest && a.slot(s) != nil {
		s++
	}
	for t := s + 1; t != a.newest+1; t++ {
		if p := a.slot(t); p != nil {
			return p.at
		}
	}
	return a.stuckSince
}

// complete pops the frame starting at next if every packet up to its
// marker is present. Otherwise gap tells whether a packet is missing (as
// opposed to the frame's tail not having arrived yet).
func (a *assembler) complete() (f assembledFrame, ok, gap bool) {
	first := a.slot(a.next)
	if first == nil {
		// A gap only if something after next was received already.
		return assembledFrame{}, false, !seqLess(a.newest, a.next)
	}
	size := 0
	end := a.next
	for {
		p := a.slot(end)
		if p == nil {
			return assembledFrame{}, false, true
		}
		if p.ts != first.ts {
			// The next frame began before this one's marker: it is incomplete.
			return assembledFrame{}, false, true
		}
		size += len(p.payload)
		if p.marker {
			break
		}
		if end == a.newest {
			return assembledFrame{}, false, false
		}
		end++
	}
	f = assembledFrame{first: first.header, afterGap: a.gap}
	ok = first.head && size > 0 && size <= asmMaxData
	if ok {
		f.data = make([]byte, 0, size)
	}
	for s := a.next; ; s++ {
		if ok {
			f.data = append(f.data, a.slots[s%asmWindow].payload...)
		}
		a.slots[s%asmWindow] = nil
		if s == end {
			break
		}
	}
	a.next = end + 1
	a.stuckSince = time.Time{}
	if !ok {
		// A run that does not start a frame (or is absurdly large) cannot
		// be decoded; drop it and treat it like a loss.
		a.gap = true
		a.lostFrames++
		return a.complete()
	}
	a.gap = false
	// VP8 frame tag: bit 0 of the first byte is 0 for a keyframe (RFC 6386 9.1).
	f.keyframe = f.data[0]&0x01 == 0
	return f, true, false
}

// skip gives up on the frame at next: it moves to the next buffered frame
// start, or forgets everything when none is buffered.
func (a *assembler) skip() {
	a.gap = true
	a.lostFrames++
	a.stuckSince = time.Time{}
	for s := a.next + 1; s != a.newest+1; s++ {
		if p := a.slot(s); p != nil && p.head {
			for c := a.next; c != s; c++ {
				a.slots[c%asmWindow] = nil
			}
			a.next = s
			return
		}
	}
	for i := range a.slots {
		a.slots[i] = nil
	}
	a.haveNext = false
}
