package sharer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
)

// VideoEncoder turns captured images into encoded frames.
type VideoEncoder interface {
	// Encode returns the encoded frame (nil when the encoder dropped it)
	// and whether it is a keyframe.
	Encode(img *capture.Image, forceKeyframe bool) (frame []byte, keyframe bool, err error)
	SetBitrate(kbps int) error
	Close() error
}

// NewEncoderFunc makes an encoder for one frame size.
type NewEncoderFunc func(width, height, bitrateKbps, fps int) (VideoEncoder, error)

// frameSink receives encoded frames (the peer connection's WriteFrame).
type frameSink func(data []byte, keyframe bool, captured time.Time) error

// pipeline runs capture → encode → send on one goroutine, only while the
// consent gate allows sending. Capture is event driven: Next blocks until
// the screen changes, so a static screen costs nothing and sends nothing.
type pipeline struct {
	src     capture.Source
	newEnc  NewEncoderFunc
	sink    frameSink
	maySend func() bool
	logger  *slog.Logger
	fps     int
	// busy, if set, reports how long the network will still be sending
	// the frames it has (0: none); the loop waits (up to maxBusyWait)
	// until that is no longer than a frame's encoding takes, so that the
	// next frame is ready as the last one is out: a slow path lowers the
	// frame rate instead of dropping encoded frames (which costs a
	// keyframe), and a fast one does not wait for pacing before encoding.
	// Set before run.
	busy func() time.Duration

	forceKey atomic.Bool
	bitrate  atomic.Int32 // pending target in kbit/s, 0 = none
	// viewerFPS is the helper's frame-rate limit (0: none), set at
	// viewerFPSAt (unix ns); see setMaxFPS.
	viewerFPS   atomic.Int32
	viewerFPSAt atomic.Int64
	frames      atomic.Uint64

	wake chan struct{} // one token: the gate or a request changed something

	// mu guards kick, which cancels a Next that is blocked waiting for damage.
	mu   sync.Mutex
	kick context.CancelFunc
}

func newPipeline(src capture.Source, newEnc NewEncoderFunc, sink frameSink, maySend func() bool, fps, initialKbps int, logger *slog.Logger) *pipeline {
	p := &pipeline{src: src, newEnc: newEnc, sink: sink, maySend: maySend, fps: fps, logger: logger, wake: make(chan struct{}, 1)}
	p.bitrate.Store(int32(initialKbps))
	p.forceKey.Store(true)
	return p
}

// poke wakes the loop: after a consent change, so a pause stops a blocked
// capture at once and a resume starts one.
func (p *pipeline) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
	p.mu.Lock()
	if p.kick != nil {
		p.kick()
	}
	p.mu.Unlock()
}

// requestKeyframe makes the next frame a keyframe and captures it even if
// the screen has not changed (the helper lost a frame or just connected).
func (p *pipeline) requestKeyframe() {
	p.forceKey.Store(true)
	p.src.ForceNext()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pipeline) setBitrate(kbps int) { p.bitrate.Store(int32(kbps)) }

// setMaxFPS takes the helper's frame-rate limit (0: none). It holds for
// viewerLimitTTL unless repeated: it arrives in RTCP, which may be lost,
// so a lost lift must not keep the picture slow.
func (p *pipeline) setMaxFPS(fps int) {
	p.viewerFPS.Store(int32(fps))
	p.viewerFPSAt.Store(time.Now().UnixNano())
}

// viewerGap is the shortest interval between frames the helper's limit
// allows now (0: no limit).
func (p *pipeline) viewerGap() time.Duration {
	fps := p.viewerFPS.Load()
	if fps <= 0 || time.Since(time.Unix(0, p.viewerFPSAt.Load())) > viewerLimitTTL {
		return 0
	}
	return time.Second / time.Duration(fps)
}

// viewerLimitTTL is how long a frame-rate limit from the helper holds
// unless repeated (the page repeats it every 2 s).
const viewerLimitTTL = 5 * time.Second

func (p *pipeline) run(ctx context.Context) {
	var (
		enc           VideoEncoder
		width, height int
		kbps          = int(p.bitrate.Load())
	)
	var (
		refine *time.Timer // the next refinement capture
		gov    rateGovernor
		stats  stageStats
	)
	defer func() {
		if refine != nil {
			refine.Stop()
		}
		if enc != nil {
			enc.Close()
		}
	}()
	gated := false // the gate was closed (paused, not yet allowed)
	// held is the frame encoded while the gate closed (see heldFrame).
	var held *heldFrame
	for ctx.Err() == nil {
		if !p.maySend() {
			gated = true
			select {
			case <-p.wake:
			case <-ctx.Done():
			}
			continue
		}
		if gated {
			// After a pause the helper still shows the picture it had: go
			// on from there with only what changed, captured now whether
			// or not anything did. A frame the encoder coded while the gate
			// closed is in its reference, so it goes first; a keyframe
			// asked for meanwhile (a new connection) replaces it. A resume
			// that sent a keyframe instead gave a blurry whole picture at
			// the current rate, and text scrolled on top of it stayed soft
			// for seconds.
			gated = false
			if held != nil && !p.forceKey.Load() {
				if err := p.sink(held.data, held.key, held.captured); err != nil {
					p.logger.Debug("held frame not sent", "err", err)
					p.forceKey.Store(true)
				} else {
					p.frames.Add(1)
				}
			}
			held = nil
			p.src.ForceNext()
		}
		t0 := time.Now()
		p.waitNotBusy(ctx, gov.cost)
		t1 := time.Now()
		gov.wait(ctx, p.viewerGap())
		t2 := time.Now()
		next, cancel := context.WithCancel(ctx)
		p.mu.Lock()
		p.kick = cancel
		p.mu.Unlock()
		img, err := p.src.Next(next)
		p.mu.Lock()
		p.kick = nil
		p.mu.Unlock()
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !errors.Is(err, context.Canceled) {
				p.logger.Warn("capture failed", "err", err)
				sleepCtx(ctx, 200*time.Millisecond)
			}
			continue
		}
		if !p.maySend() {
			continue
		}
		if enc == nil || img.Width != width || img.Height != height {
			if enc != nil {
				enc.Close()
			}
			enc, err = p.newEnc(img.Width, img.Height, kbps, p.fps)
			if err != nil {
				p.logger.Error("encoder setup failed", "err", err, "width", img.Width, "height", img.Height)
				enc = nil
				sleepCtx(ctx, time.Second)
				continue
			}
			width, height = img.Width, img.Height
			p.forceKey.Store(true)
		}
		if b := int(p.bitrate.Swap(0)); b > 0 && b != kbps {
			kbps = b
			if err := enc.SetBitrate(kbps); err != nil {
				p.logger.Warn("bitrate change failed", "err", err)
			}
		}
		wantKey := p.forceKey.Swap(false)
		t3 := time.Now()
		data, key, err := enc.Encode(img, wantKey)
		t4 := time.Now()
		gov.record(img.Captured, t4.Sub(t3))
		if err != nil {
			p.logger.Warn("encode failed", "err", err)
			p.forceKey.Store(true)
			continue
		}
		// The gate is checked again right before sending: a pause or deny
		// that happened during capture or encode wins over this frame.
		if len(data) == 0 {
			if wantKey {
				// The encoder's rate control dropped the keyframe: on a
				// still screen nothing else would capture again.
				p.forceKey.Store(true)
				p.src.ForceNext()
				sleepCtx(ctx, 20*time.Millisecond)
			}
			continue
		}
		if !p.maySend() {
			// The encoder's reference now holds a frame the helper has not
			// got: it is sent first when the gate opens again.
			held = &heldFrame{data: data, key: key, captured: img.Captured}
			gated = true
			continue
		}
		if err := p.sink(data, key, img.Captured); err != nil {
			p.logger.Debug("frame not sent", "err", err)
			continue
		}
		p.frames.Add(1)
		stats.frames++
		stats.busy += t1.Sub(t0)
		stats.rate += t2.Sub(t1)
		stats.capture += t3.Sub(t2)
		stats.encode += t4.Sub(t3)
		stats.maxEncode = max(stats.maxEncode, t4.Sub(t3))
		stats.send += time.Since(t4)
		stats.flush(p.logger, time.Now())
		if refine != nil {
			refine.Stop()
		}
		if r, ok := enc.(refiner); ok && r.Refining() {
			// Capture again, even if nothing changes, to sharpen it: once
			// nothing new came for refineDelay, so that refinement never
			// crowds out a change on its way; then every refineNext while
			// the screen stays still (a refinement frame is small, so a
			// change waits for at most one).
			delay := refineDelay
			if r.RefinedOnly() {
				delay = refineNext
			}
			refine = time.AfterFunc(delay, p.src.ForceNext)
		}
	}
}

// heldFrame is a frame encoded while the gate closed (a pause landed
// during capture or encoding). The encoder's next frame refers to it, so
// it is kept for the resume instead of forcing a keyframe then.
type heldFrame struct {
	data     []byte
	key      bool
	captured time.Time
}

// refineDelay is how long a picture must stay still before a frame that
// only sharpens it is captured.
const refineDelay = 100 * time.Millisecond

// refineNext spaces the refinement frames that follow while the picture
// stays still. Each is kept to ~40 ms of the target rate by the encoder.
const refineNext = 30 * time.Millisecond

// refiner is an encoder that codes only what changed and can sharpen the
// last picture by encoding it again (encode.VP8's Refining). RefinedOnly
// reports that the last frame only sharpened (nothing had changed).
type refiner interface {
	Refining() bool
	RefinedOnly() bool
}

// maxBusyWait bounds waitNotBusy: a writer that is stuck (not just slow)
// must not stop capture for good.
const maxBusyWait = 2 * time.Second

// waitNotBusy waits while the network will take longer than lead to send
// what it has. The screen's changes meanwhile accumulate in the capture's
// damage and go out in the next frame.
func (p *pipeline) waitNotBusy(ctx context.Context, lead time.Duration) {
	if p.busy == nil {
		return
	}
	for start := time.Now(); time.Since(start) < maxBusyWait && ctx.Err() == nil; {
		left := p.busy()
		if left <= lead {
			return
		}
		sleepCtx(ctx, min(left-lead, 2*time.Millisecond))
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
