package encode

/*
#include "vp8.h"
*/
import "C"

// Full-screen motion at half size.
//
// A 1080p picture that changes everywhere (a video, a game, a window
// dragged across the screen) costs the helper's page a software decode of
// 40-60 ms a frame on a busy two-core machine: it managed 12-14 frames a
// second, and a change elsewhere on the screen waited 150-360 ms for the
// frames ahead of it (bench-compare's motion workload). The page then
// limits the frame rate it asks for (SetViewerLimited). While such a
// viewer is limited and the whole screen keeps moving, frames are coded at
// half the width and height instead: a quarter of the pixels to encode,
// send and decode. When the motion stops (a still capture, or a few frames
// that change little) the next frame is a full-size keyframe, refined as
// usual. Details are lost only while everything moves.
//
// The half-size keyframes carry VP8's upscaling field (RFC 6386 §9.1,
// horizontal_scale and vertical_scale = 3: twice the coded size), which
// decoders ignore but the helper's page reads to draw the picture at the
// screen's size (frontend/src/lib/frame.ts, vp8Scale). Only screens of
// even width and height are halved, so the size is exact.

const (
	// motionMinBlocks: smaller screens (below 1280×720) decode fast enough.
	motionMinBlocks = 3600
	// A frame changing at least 1/motionEnterShare of the macroblocks,
	// motionEnterRun times in a row while the viewer is limited, switches
	// to half size.
	motionEnterShare = 2
	motionEnterRun   = 3
	// At half size, a still capture, or motionLeaveRun frames in a row
	// changing less than 1/motionLeaveShare of the macroblocks, switch back.
	motionLeaveShare = 8
	motionLeaveRun   = 3
)

// motion is the state of half-size coding; VP8.mu guards it.
type motion struct {
	half    *C.qh_enc // the half-size encoder, opened when first needed
	on      bool      // frames are coded at half size
	limited bool      // the viewer decodes fewer frames than it is sent
	run     int       // frames in a row toward switching
	keyNext bool      // the next half-size frame must be a keyframe
}

func (m *motion) reset() {
	if m.half != nil {
		C.qh_enc_close(m.half)
	}
	*m = motion{limited: m.limited}
}

// SetViewerLimited tells the encoder whether the viewer currently limits
// the frame rate because it cannot decode every frame (the helper's
// max-fps request): only then does full-screen motion go to half size.
func (e *VP8) SetViewerLimited(limited bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.motion.limited = limited
}

// HalfSize reports whether frames are being coded at half size.
func (e *VP8) HalfSize() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.motion.on
}

// motionEligible: a screen large enough to gain, with even sides.
func (e *VP8) motionEligible() bool {
	return e.cfg.Width%2 == 0 && e.cfg.Height%2 == 0 && int(C.qh_enc_blocks(e.enc)) >= motionMinBlocks
}

// noteFull counts a frame coded at full size toward switching to half.
func (e *VP8) noteFull() {
	m := &e.motion
	fresh, blocks := uint(C.qh_enc_fresh(e.enc)), uint(C.qh_enc_blocks(e.enc))
	if !m.limited || !e.motionEligible() || fresh*motionEnterShare < blocks {
		m.run = 0
		return
	}
	m.run++
	if m.run >= motionEnterRun {
		m.on, m.run, m.keyNext = true, 0, true
	}
}

// encodeHalf codes the converted image at half size. done is false when
// the motion has stopped: the caller codes a full-size keyframe instead.
func (e *VP8) encodeHalf(pts, duration int64, force bool) (out []byte, key bool, err error, done bool) {
	m := &e.motion
	fresh, blocks := uint(C.qh_enc_diff(e.enc)), uint(C.qh_enc_blocks(e.enc))
	if fresh*motionLeaveShare < blocks {
		m.run++
	} else {
		m.run = 0
	}
	if fresh == 0 || m.run >= motionLeaveRun {
		m.on, m.run = false, 0
		return nil, false, nil, false
	}
	if m.half == nil {
		cfg := e.cfg
		cfg.Width, cfg.Height = (cfg.Width+1)/2, (cfg.Height+1)/2
		if m.half, err = openEncoder(cfg); err != nil {
			m.on = false // full size rather than no video
			return nil, false, nil, false
		}
		m.keyNext = true
	}
	if C.qh_enc_half_from(m.half, e.enc) != 0 {
		m.on = false
		return nil, false, nil, false
	}
	out, key, err = e.encodeImage(m.half, pts, duration, force || m.keyNext)
	if err != nil {
		return nil, false, err, true
	}
	if key {
		m.keyNext = false
		markUpscale(out)
	}
	return out, key, nil, true
}

// markUpscale sets a VP8 keyframe's horizontal_scale and vertical_scale
// fields to 3 (the picture is shown at twice its coded size).
func markUpscale(frame []byte) {
	if len(frame) >= 10 {
		frame[7] |= 0xc0
		frame[9] |= 0xc0
	}
}
