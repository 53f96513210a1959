package sharer

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
)

type sentFrame struct {
	size int
	key  bool
	data []byte
}

type recordingSink struct {
	mu     sync.Mutex
	frames []sentFrame
}

func (r *recordingSink) write(data []byte, key bool, _ time.Time) error {
	r.mu.Lock()
	r.frames = append(r.frames, sentFrame{len(data), key, data})
	r.mu.Unlock()
	return nil
}

func (r *recordingSink) snapshot() []sentFrame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentFrame(nil), r.frames...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The pipeline runs the real VP8 encoder on the in-memory pattern source
// and must honour the gate: no frame while sending is not allowed, a
// keyframe first and after every request.
func TestPipelineGateAndKeyframes(t *testing.T) {
	src := capture.NewPattern(320, 240)
	var allowed atomic.Bool
	// refusals counts the gate checks that said no. The pipeline checks
	// the gate right before it hands a frame to the sink and again before
	// the next capture, one check after another, so once a check made
	// after the gate closed has said no, no frame that passed an earlier
	// check is still on its way.
	var refusals atomic.Int64
	maySend := func() bool {
		ok := allowed.Load()
		if !ok {
			refusals.Add(1)
		}
		return ok
	}
	sink := &recordingSink{}
	p := newPipeline(src, newVP8Encoder, sink.write, maySend, 30, 500, slog.New(slog.DiscardHandler))
	startPipeline(t, p)

	time.Sleep(200 * time.Millisecond)
	if n := len(sink.snapshot()); n != 0 {
		t.Fatalf("%d frames sent before sending was allowed", n)
	}

	allowed.Store(true)
	p.poke()
	waitFor(t, "10 frames", func() bool { return len(sink.snapshot()) >= 10 })
	frames := sink.snapshot()
	if !frames[0].key {
		t.Error("first frame is not a keyframe")
	}
	for i, f := range frames[1:] {
		if f.key {
			t.Errorf("frame %d is a keyframe without a request", i+1)
		}
	}

	before := refusals.Load()
	allowed.Store(false)
	p.poke()
	waitFor(t, "the pipeline to see the gate closed", func() bool { return refusals.Load() > before })
	stopped := len(sink.snapshot())
	time.Sleep(300 * time.Millisecond)
	if n := len(sink.snapshot()); n != stopped {
		t.Errorf("%d frames sent after the gate closed", n-stopped)
	}

	p.requestKeyframe()
	allowed.Store(true)
	p.poke()
	waitFor(t, "a frame after reopening", func() bool { return len(sink.snapshot()) > stopped })
	if f := sink.snapshot()[stopped]; !f.key {
		t.Error("first frame after a keyframe request is not a keyframe")
	}
	if p.frames.Load() != uint64(len(sink.snapshot())) {
		t.Errorf("frames counter = %d, sink saw %d", p.frames.Load(), len(sink.snapshot()))
	}
}

// A congestion-control bitrate change reaches the encoder mid-stream and
// frames keep flowing.
func TestPipelineBitrateChange(t *testing.T) {
	p, sink := runPatternPipeline(t)
	waitFor(t, "frames", func() bool { return len(sink.snapshot()) >= 3 })
	p.setBitrate(300)
	n := len(sink.snapshot())
	waitFor(t, "frames after a bitrate change", func() bool { return len(sink.snapshot()) >= n+3 })
}

// TestPipelineWaitsWhileBusy: the capture loop waits for the network to
// finish the frame it is pacing out (until what is left takes no longer
// than encoding the next one), and gives up when the context ends.
func TestPipelineWaitsWhileBusy(t *testing.T) {
	var left atomic.Int64
	left.Store(int64(time.Second))
	p := &pipeline{busy: func() time.Duration { return time.Duration(left.Load()) }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.waitNotBusy(context.Background(), 10*time.Millisecond)
	}()
	select {
	case <-done:
		t.Fatal("waitNotBusy returned while the network was busy")
	case <-time.After(100 * time.Millisecond):
	}
	left.Store(int64(8 * time.Millisecond)) // less than the encoding takes
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("waitNotBusy still waits when the network is free before the next frame is encoded")
	}

	left.Store(int64(time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	p.waitNotBusy(ctx, 0)
	if took := time.Since(start); took > time.Second {
		t.Errorf("waitNotBusy took %v after its context ended", took)
	}
}

// TestPipelineHonoursViewerLimit: the helper's frame-rate limit spaces the
// frames of a screen that changes all the time, lifting it (or letting it
// lapse) restores the rate.
func TestPipelineHonoursViewerLimit(t *testing.T) {
	p, sink := runPatternPipeline(t)
	rate := func() float64 {
		n0, t0 := len(sink.snapshot()), time.Now()
		time.Sleep(1500 * time.Millisecond)
		return float64(len(sink.snapshot())-n0) / time.Since(t0).Seconds()
	}
	waitFor(t, "frames", func() bool { return len(sink.snapshot()) >= 3 })
	free := rate()
	if free < 12 {
		t.Fatalf("%.1f frames/s without a limit; the pattern source should give more than 12", free)
	}
	p.setMaxFPS(4)
	time.Sleep(300 * time.Millisecond) // a frame already on its way
	if got := rate(); got > 5.5 {
		t.Errorf("%.1f frames/s with a limit of 4", got)
	}
	p.setMaxFPS(0)
	if got := rate(); got < 8 {
		t.Errorf("%.1f frames/s after the limit of 4 was lifted (%.1f before it)", got, free)
	}
	// A limit that is not repeated lapses.
	p.setMaxFPS(4)
	p.viewerFPSAt.Store(time.Now().Add(-viewerLimitTTL - time.Second).UnixNano())
	if got := rate(); got < 8 {
		t.Errorf("%.1f frames/s under a lapsed limit of 4 (%.1f without one)", got, free)
	}
}

// runPatternPipeline runs a pipeline over the in-memory pattern source, a
// screen that changes all the time, with the real VP8 encoder and the
// gate open, until the test ends.
func runPatternPipeline(t *testing.T) (*pipeline, *recordingSink) {
	t.Helper()
	sink := &recordingSink{}
	p := newPipeline(capture.NewPattern(320, 240), newVP8Encoder, sink.write, func() bool { return true }, 30, 500, slog.New(slog.DiscardHandler))
	startPipeline(t, p)
	return p, sink
}

// startPipeline runs p until the test ends.
func startPipeline(t *testing.T, p *pipeline) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}
