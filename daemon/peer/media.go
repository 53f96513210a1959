package peer

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// queueDepth is the number of encoded frames that may wait between the
// encoder and the network. Two is enough to absorb one slow write; more only
// adds latency (a remote-assistance picture must be current, not complete).
const queueDepth = 2

// rtpPayloadMTU leaves room in a 1200-byte packet for the RTP header and
// the abs-capture-time and transport-cc extensions.
const rtpPayloadMTU = 1200 - 12 - 4 - 9 - 3 - 12

// keyRepeatEvery re-asks the encoder for a keyframe after this many deltas
// were discarded while waiting for one, in case the first request was lost.
const keyRepeatEvery = 30

type frame struct {
	data     []byte
	key      bool
	captured time.Time
}

// frameQueue is the bounded queue between WriteFrame and the track writer.
// Frames written while the connection is not up are dropped (and counted):
// nobody could decode them later anyway. When full it drops the oldest non-keyframe. A VP8 delta frame depends on
// the frame before it, so after a drop every following delta would decode to
// garbage: the queue discards deltas until the next keyframe and tells the
// caller to request one.
type frameQueue struct {
	ready chan struct{} // one-slot wake-up for the writer

	mu        sync.Mutex // guards the fields below
	items     []frame
	connected bool // frames are discarded before the track can carry them
	waitKey   bool // discard deltas until a keyframe
	sinceKey  int  // deltas discarded while waitKey
	dropped   uint64
	writing   bool // the writer is sending a frame it popped
}

func newFrameQueue() *frameQueue {
	return &frameQueue{ready: make(chan struct{}, 1), waitKey: true}
}

// push queues f and reports whether a keyframe should be requested.
func (q *frameQueue) push(f frame) (wantKey bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.connected {
		q.dropped++
		return false
	}
	if len(q.items) == queueDepth {
		i := 0
		for j, it := range q.items {
			if !it.key {
				i = j
				break
			}
		}
		dependent := !q.items[i].key
		q.items = append(q.items[:i], q.items[i+1:]...)
		q.dropped++
		if dependent {
			// Deltas after the dropped one reference it: drop them too.
			kept := q.items[:i]
			for _, it := range q.items[i:] {
				if it.key {
					kept = append(kept, it)
				} else {
					q.dropped++
				}
			}
			q.items = kept
			if !q.waitKey && !f.key { // a new keyframe repairs the loss by itself
				q.waitKey, q.sinceKey, wantKey = true, 0, true
			}
		}
	}
	if q.waitKey && !f.key {
		q.dropped++
		q.sinceKey++
		if q.sinceKey%keyRepeatEvery == 0 {
			wantKey = true
		}
		return wantKey
	}
	if f.key {
		q.waitKey = false
	}
	q.items = append(q.items, f)
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return wantKey
}

func (q *frameQueue) pop() (frame, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return frame{}, false
	}
	f := q.items[0]
	q.items[0] = frame{}
	q.items = q.items[1:]
	q.writing = true
	return f, true
}

// sent marks the end of the frame the writer popped last.
func (q *frameQueue) sent() {
	q.mu.Lock()
	q.writing = false
	q.mu.Unlock()
}

// pending is the number of frames queued or being sent, and the bytes of
// those not yet popped.
func (q *frameQueue) pending() (n, queuedBytes int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range q.items {
		queuedBytes += len(it.data)
	}
	n = len(q.items)
	if q.writing {
		n++
	}
	return n, queuedBytes
}

// backlog is the number of frames queued or being sent.
func (q *frameQueue) backlog() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.items)
	if q.writing {
		n++
	}
	return n
}

// setConnected starts or stops accepting frames. Either way the next frame
// sent must be a keyframe: the helper's decoder has nothing to build on.
func (q *frameQueue) setConnected(on bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.connected = on
	q.waitKey, q.sinceKey = true, 0
	q.dropped += uint64(len(q.items))
	q.items = q.items[:0]
}

func (q *frameQueue) droppedCount() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// videoTrack is a VP8 track that packetises frames itself so it can stamp
// the first packet of each frame with the abs-capture-time extension, which
// TrackLocalStaticSample cannot do. It wraps TrackLocalStaticRTP for the
// binding bookkeeping and learns the negotiated extension id in Bind.
type videoTrack struct {
	rtp   *webrtc.TrackLocalStaticRTP
	extID atomic.Uint32 // negotiated abs-capture-time id; 0 when not negotiated

	// Used only by the writer goroutine.
	payloader codecs.VP8Payloader
	seq       rtp.Sequencer
	first     time.Time
	tsBase    uint32
	lastTS    uint32
	started   bool
	pace      pacer
}

func newVideoTrack() (*videoTrack, error) {
	t, err := webrtc.NewTrackLocalStaticRTP(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "screen", "quickhelp")
	if err != nil {
		return nil, err
	}
	return &videoTrack{
		rtp:       t,
		payloader: codecs.VP8Payloader{EnablePictureID: true},
		seq:       rtp.NewRandomSequencer(),
		tsBase:    randomUint32(),
	}, nil
}

// Bind implements webrtc.TrackLocal.
func (t *videoTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	p, err := t.rtp.Bind(ctx)
	if err != nil {
		return p, err
	}
	for _, e := range ctx.HeaderExtensions() {
		if e.URI == AbsCaptureTimeURI && e.ID > 0 && e.ID < 15 {
			t.extID.Store(uint32(e.ID))
		}
	}
	return p, nil
}

// Unbind implements webrtc.TrackLocal.
func (t *videoTrack) Unbind(ctx webrtc.TrackLocalContext) error { return t.rtp.Unbind(ctx) }

// ID implements webrtc.TrackLocal.
func (t *videoTrack) ID() string { return t.rtp.ID() }

// RID implements webrtc.TrackLocal.
func (t *videoTrack) RID() string { return t.rtp.RID() }

// StreamID implements webrtc.TrackLocal.
func (t *videoTrack) StreamID() string { return t.rtp.StreamID() }

// Kind implements webrtc.TrackLocal.
func (t *videoTrack) Kind() webrtc.RTPCodecType { return t.rtp.Kind() }

// rtpTimestamp maps capture times onto the 90 kHz RTP clock, so frame
// durations are the real intervals between captures. Timestamps never
// repeat or go back: equal ones would merge two frames at the receiver.
func (t *videoTrack) rtpTimestamp(captured time.Time) uint32 {
	if !t.started {
		t.started, t.first, t.lastTS = true, captured, t.tsBase
		return t.tsBase
	}
	ts := t.tsBase + uint32(captured.Sub(t.first)*90000/time.Second)
	if int32(ts-t.lastTS) <= 0 {
		ts = t.lastTS + 1
	}
	t.lastTS = ts
	return ts
}

// writeFrame packetises one frame, paces it at rate bit/s (the congestion
// controller's target; see pacer) and returns the payload bytes written.
func (t *videoTrack) writeFrame(f frame, rate int64) (int, error) {
	ts := t.rtpTimestamp(f.captured)
	payloads := t.payloader.Payload(rtpPayloadMTU, f.data)
	ext := t.extID.Load()
	n := 0
	for i, p := range payloads {
		pkt := rtp.Packet{
			Header: rtp.Header{
				Version:        2,
				Marker:         i == len(payloads)-1,
				SequenceNumber: t.seq.NextSequenceNumber(),
				Timestamp:      ts,
			},
			Payload: p,
		}
		if i == 0 && ext != 0 {
			b, err := rtp.NewAbsCaptureTimeExtension(f.captured).Marshal()
			if err == nil {
				err = pkt.Header.SetExtension(uint8(ext), b)
			}
			if err != nil {
				return n, err
			}
		}
		t.pace.wait(pkt.MarshalSize(), rate)
		if err := t.rtp.WriteRTP(&pkt); err != nil {
			return n, err
		}
		n += len(p)
	}
	return n, nil
}
