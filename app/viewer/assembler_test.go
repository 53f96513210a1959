package viewer

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// packetize splits frames like the sharer does: pion's VP8 payloader with
// picture ids, one timestamp per frame, marker on the last packet.
func packetize(frames [][]byte, seq uint16) []*rtp.Packet {
	pl := codecs.VP8Payloader{EnablePictureID: true}
	var out []*rtp.Packet
	for i, f := range frames {
		parts := pl.Payload(1100, f)
		for j, p := range parts {
			out = append(out, &rtp.Packet{
				Header:  rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(1000 + 3000*i), Marker: j == len(parts)-1},
				Payload: p,
			})
			seq++
		}
	}
	return out
}

func testFrames(rng *rand.Rand, n int) [][]byte {
	var frames [][]byte
	for i := 0; i < n; i++ {
		f := make([]byte, 1+rng.IntN(5000))
		for j := range f {
			f[j] = byte(rng.Uint32())
		}
		if i == 0 {
			f[0] &^= 1
		} else {
			f[0] |= 1
		}
		frames = append(frames, f)
	}
	return frames
}

func TestAssembler(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	frames := testFrames(rng, 12)
	t0 := time.Unix(1700000000, 0)
	tests := []struct {
		name      string
		reorder   func([]*rtp.Packet) []*rtp.Packet
		wantIdx   []int // indices of frames expected, in order
		wantGapAt int   // index into wantIdx of the first frame flagged afterGap; -1 none
	}{
		{"in order", func(p []*rtp.Packet) []*rtp.Packet { return p }, seqInts(0, 12), -1},
		{"wrapping sequence numbers", nil, seqInts(0, 12), -1},
		{"swapped neighbours", func(p []*rtp.Packet) []*rtp.Packet {
			for i := 1; i+1 < len(p); i += 3 {
				p[i], p[i+1] = p[i+1], p[i]
			}
			return p
		}, seqInts(0, 12), -1},
		{"duplicates", func(p []*rtp.Packet) []*rtp.Packet {
			var out []*rtp.Packet
			for _, x := range p {
				out = append(out, x, x)
			}
			return out
		}, seqInts(0, 12), -1},
		{"lost packet of frame 3", func(p []*rtp.Packet) []*rtp.Packet {
			return dropFrameTail(p, frameOf(p, 3))
		}, append(seqInts(0, 3), seqInts(4, 12)...), 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seq := uint16(100)
			if tc.reorder == nil {
				seq = 65530
				tc.reorder = func(p []*rtp.Packet) []*rtp.Packet { return p }
			}
			pkts := tc.reorder(packetize(frames, seq))
			var a assembler
			var got []assembledFrame
			now := t0
			for _, p := range pkts {
				now = now.Add(time.Millisecond)
				got = append(got, a.push(p, now)...)
			}
			// Time passes with no packets, then the next frame arrives.
			now = now.Add(time.Second)
			got = append(got, a.push(packetize([][]byte{{0xff, 1}}, pkts[len(pkts)-1].SequenceNumber+1)[0], now)...)
			got = got[:len(got)-1]
			if len(got) != len(tc.wantIdx) {
				t.Fatalf("got %d frames, want %d", len(got), len(tc.wantIdx))
			}
			for i, f := range got {
				want := frames[tc.wantIdx[i]]
				if !bytes.Equal(f.data, want) {
					t.Errorf("frame %d: data differs (%d bytes, want %d)", i, len(f.data), len(want))
				}
				if f.keyframe != (tc.wantIdx[i] == 0) {
					t.Errorf("frame %d keyframe = %v, want %v", i, f.keyframe, tc.wantIdx[i] == 0)
				}
				if f.afterGap != (i == tc.wantGapAt) {
					t.Errorf("frame %d afterGap = %v, want %v", i, f.afterGap, i == tc.wantGapAt)
				}
			}
		})
	}
}

func seqInts(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// frameOf returns the packets' timestamp of frame i.
func frameOf(p []*rtp.Packet, i int) uint32 { return uint32(1000 + 3000*i) }

func dropFrameTail(p []*rtp.Packet, ts uint32) []*rtp.Packet {
	var out []*rtp.Packet
	seen := false
	for _, x := range p {
		if x.Timestamp == ts && seen && !x.Marker {
			continue
		}
		if x.Timestamp == ts && x.Marker && !seen {
			continue // one-packet frame: drop the only packet
		}
		if x.Timestamp == ts {
			seen = true
		}
		out = append(out, x)
	}
	return out
}

func TestAssemblerStartsAtFrameHead(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	frames := testFrames(rng, 3)
	frames[0] = append(frames[0], make([]byte, 3000)...) // several packets
	pkts := packetize(frames, 10)
	var a assembler
	var got []assembledFrame
	for _, p := range pkts[1:] { // the first packet never arrives
		got = append(got, a.push(p, time.Now())...)
	}
	if len(got) != 2 {
		t.Fatalf("got %d frames, want 2 (frames 1 and 2)", len(got))
	}
	if !got[0].afterGap || !bytes.Equal(got[0].data, frames[1]) {
		t.Errorf("first frame afterGap=%v equal=%v, want true true", got[0].afterGap, bytes.Equal(got[0].data, frames[1]))
	}
}

func TestAssemblerMalformed(t *testing.T) {
	var a assembler
	if got := a.push(&rtp.Packet{Header: rtp.Header{Marker: true}, Payload: nil}, time.Now()); len(got) != 0 {
		t.Errorf("push(empty payload) = %d frames, want 0", len(got))
	}
	if a.malformed != 1 {
		t.Errorf("malformed = %d, want 1", a.malformed)
	}
}

// FuzzAssembler feeds arbitrary packet streams: the assembler must not
// panic, and every frame it emits must be non-empty and bounded.
func FuzzAssembler(f *testing.F) {
	for _, p := range packetize(testFrames(rand.New(rand.NewPCG(7, 8)), 3), 65534) {
		b, _ := p.Marshal()
		f.Add(b, uint8(0))
	}
	f.Add([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x10, 0x00}, uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		var a assembler
		now := time.Unix(1700000000, 0)
		// Split b into packets by a length prefix so one input is a stream.
		for len(b) > 1 {
			n := int(b[0])%len(b) + 1
			if n > len(b)-1 {
				n = len(b) - 1
			}
			chunk := b[1 : 1+n]
			b = b[1+n:]
			var p rtp.Packet
			if err := p.Unmarshal(chunk); err != nil {
				continue
			}
			now = now.Add(time.Duration(step) * time.Millisecond)
			for _, fr := range a.push(&p, now) {
				if len(fr.data) == 0 || len(fr.data) > asmMaxData {
					t.Fatalf("frame of %d bytes", len(fr.data))
				}
			}
		}
	})
}

// TestLossWaitFollowsRoundTrip: on loopback the wait stays short; on a
// 150 ms path it leaves time for a NACK round; it never exceeds the cap.
func TestLossWaitFollowsRoundTrip(t *testing.T) {
	for _, c := range []struct{ rtt, want time.Duration }{
		{0, asmMaxWait},
		{time.Millisecond, asmMaxWait},
		{150 * time.Millisecond, 550 * time.Millisecond},
		{2 * time.Second, lossWaitMax},
	} {
		if got := lossWait(c.rtt); got != c.want {
			t.Errorf("lossWait(%v) = %v, want %v", c.rtt, got, c.want)
		}
	}
	if got := keyWait(0); got < pliInterval || got > 400*time.Millisecond {
		t.Errorf("keyWait(0) = %v, want about %v on loopback", got, pliInterval)
	}
	if got := keyWait(150 * time.Millisecond); got < 2*150*time.Millisecond+550*time.Millisecond {
		t.Errorf("keyWait(150ms) = %v, want room for a round trip, a keyframe and a repair", got)
	}
}

// TestAssemblerWaitsPerMissingPacket: a keyframe paced out over two
// seconds on a slow path has a gap almost all the time, one lost packet
// after another, each repaired within the wait. The wait runs from when
// each packet was found missing, so the frame arrives whole; a packet that
// is never repaired still costs the frame once the wait has passed.
func TestAssemblerWaitsPerMissingPacket(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	frames := testFrames(rng, 2)
	frames[0] = append(frames[0], make([]byte, 220_000)...) // 200 packets
	pkts := packetize(frames, 500)
	key := pkts[:len(pkts)-1]
	const wait = 500 * time.Millisecond
	for _, repaired := range []bool{true, false} {
		a := assembler{maxWait: wait}
		now := time.Unix(1700000000, 0)
		type late struct {
			p  *rtp.Packet
			at time.Time
		}
		var pending []late
		var got []assembledFrame
		for i, p := range key {
			now = now.Add(10 * time.Millisecond) // 2 s for the frame
			for len(pending) > 0 && !pending[0].at.After(now) {
				got = append(got, a.push(pending[0].p, pending[0].at)...)
				pending = pending[1:]
			}
			if i%10 == 5 { // every tenth packet is lost and comes back 300 ms later
				if repaired || i != 105 {
					pending = append(pending, late{p, now.Add(300 * time.Millisecond)})
				}
				continue
			}
			got = append(got, a.push(p, now)...)
		}
		for _, l := range pending {
			got = append(got, a.push(l.p, l.at)...)
		}
		got = append(got, a.push(pkts[len(pkts)-1], now.Add(time.Second))...)
		switch {
		case repaired && (len(got) != 2 || !bytes.Equal(got[0].data, frames[0]) || !got[0].keyframe):
			t.Errorf("every loss repaired in time: got %d frames, want the keyframe whole and the next", len(got))
		case !repaired && (len(got) != 1 || !got[0].afterGap):
			t.Errorf("one packet never repaired: got %d frames, want only the next, after a gap", len(got))
		}
	}
}
