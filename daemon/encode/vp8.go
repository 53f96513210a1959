// Package encode turns captured BGRA frames into VP8 with a small cgo
// wrapper over libvpx (realtime mode, CBR, no lag) and libyuv (SIMD colour
// conversion), and decodes VP8 for tests and checks.
//
// Both need the C libraries at build time: libvpx-dev and libyuv-dev on
// Debian. Windows builds link a static libvpx cross-built from Debian's
// source (scripts/build-libvpx-windows.sh) and, without libyuv there,
// convert colours in parallel Go (convert_windows.go).
package encode

/*
#cgo pkg-config: vpx
#cgo !windows LDFLAGS: -lyuv
#cgo windows CFLAGS: -DQH_NO_LIBYUV
#include <stdlib.h>
#include "vp8.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/quickhelp/quickhelp/daemon/capture"
)

// Defaults for zero Config fields, chosen for 1080p screen content on two
// cores. Speed 16, fixed: libvpx's adaptive speed (a positive cpu-used)
// aims to spend a share of each frame interval on encoding, so on a quiet
// machine it slowed down to use it (sharer CPU up to half a core while
// scrolling) and on a busy one it sped up; fixed 16 took 10–11 ms for a
// scrolled 1080p frame (BenchmarkEncodeScrolling) where adaptive 12 took
// 12–15 ms, and 8 % fewer bytes. One thread, because libvpx's
// threads wait for each other at every macroblock row: on a busy machine
// (load average 10 on two cores, BenchmarkEncodeScrolling) a scrolling
// 1080p frame took 110–230 ms with two threads and 12–30 ms with one. A
// sharer's computer is busy with the user's own programs.
const (
	DefaultBitrateKbps = 2500
	DefaultFPS         = 30
	DefaultCPUUsed     = 16
	DefaultThreads     = 1

	// MaxDimension is VP8's largest frame side.
	MaxDimension = 16383
	// staticThreshold makes the encoder skip macroblocks whose change is
	// below it: on a still desktop frames shrink to a few hundred bytes.
	staticThreshold = 100
)

// Config describes an encoder. Zero fields take the defaults above.
type Config struct {
	Width, Height int
	BitrateKbps   int
	FPS           int // expected rate; the rate control uses real timestamps
	// CPUUsed is libvpx's speed, 4..16 (higher is faster, blurrier), used
	// as a fixed speed for frames that change much of the picture.
	CPUUsed int
	Threads int
}

func (c *Config) normalise() error {
	if c.BitrateKbps == 0 {
		c.BitrateKbps = DefaultBitrateKbps
	}
	if c.FPS == 0 {
		c.FPS = DefaultFPS
	}
	if c.CPUUsed == 0 {
		c.CPUUsed = DefaultCPUUsed
	}
	if c.Threads == 0 {
		c.Threads = DefaultThreads
	}
	switch {
	case c.Width < 2 || c.Height < 2 || c.Width > MaxDimension || c.Height > MaxDimension:
		return fmt.Errorf("%w: size %dx%d", ErrBadConfig, c.Width, c.Height)
	case c.BitrateKbps < 50 || c.BitrateKbps > 100_000:
		return fmt.Errorf("%w: bitrate %d kbps", ErrBadConfig, c.BitrateKbps)
	case c.FPS < 1 || c.FPS > 240:
		return fmt.Errorf("%w: fps %d", ErrBadConfig, c.FPS)
	case c.CPUUsed < 4 || c.CPUUsed > 16:
		return fmt.Errorf("%w: cpu-used %d", ErrBadConfig, c.CPUUsed)
	case c.Threads < 1 || c.Threads > 16:
		return fmt.Errorf("%w: threads %d", ErrBadConfig, c.Threads)
	}
	return nil
}

// VP8 is a realtime VP8 encoder. Its methods are safe for concurrent use
// (SetBitrate typically comes from the congestion controller while Encode
// runs in the capture loop).
type VP8 struct {
	mu      sync.Mutex // guards all fields
	cfg     Config
	enc     *C.qh_enc
	start   time.Time // capture time of the first frame: pts 0
	lastPts int64     // milliseconds; -1 before the first frame
}

// NewVP8 validates cfg and opens an encoder.
func NewVP8(cfg Config) (*VP8, error) {
	if err := cfg.normalise(); err != nil {
		return nil, err
	}
	e := &VP8{cfg: cfg}
	if err := e.open(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *VP8) open() error {
	// Screen-content mode 1 tunes VP8 for sharp text and still regions.
	c := C.qh_enc_config{
		width: C.int(e.cfg.Width), height: C.int(e.cfg.Height),
		bitrate_kbps: C.int(e.cfg.BitrateKbps), fps: C.int(e.cfg.FPS),
		cpu_used: C.int(e.cfg.CPUUsed), threads: C.int(e.cfg.Threads),
		static_threshold: staticThreshold, screen_content: 1,
	}
	var errBuf [256]C.char
	enc := C.qh_enc_open(&c, &errBuf[0], C.size_t(len(errBuf)))
	if enc == nil {
		return fmt.Errorf("%w: %s", ErrCodec, C.GoString(&errBuf[0]))
	}
	e.enc = enc
	e.lastPts = -1
	return nil
}

// Size reports the encoder's current frame size.
func (e *VP8) Size() (width, height int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cfg.Width, e.cfg.Height
}

// Resize re-creates the encoder for a new frame size (monitor switch);
// the next frame is a keyframe. The bitrate and speed settings are kept.
func (e *VP8) Resize(width, height int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.resizeLocked(width, height)
}

func (e *VP8) resizeLocked(width, height int) error {
	if e.enc == nil {
		return ErrClosed
	}
	cfg := e.cfg
	cfg.Width, cfg.Height = width, height
	if err := cfg.normalise(); err != nil {
		return err
	}
	old := e.enc
	oldCfg := e.cfg
	e.cfg = cfg
	if err := e.open(); err != nil {
		e.cfg, e.enc = oldCfg, old
		return err
	}
	C.qh_enc_close(old)
	return nil
}

// SetBitrate changes the target bitrate of the running encoder.
func (e *VP8) SetBitrate(kbps int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.enc == nil {
		return ErrClosed
	}
	cfg := e.cfg
	cfg.BitrateKbps = kbps
	if err := cfg.normalise(); err != nil {
		return err
	}
	if C.qh_enc_set_bitrate(e.enc, C.int(kbps)) != 0 {
		return fmt.Errorf("%w: set bitrate: %s", ErrCodec, C.GoString(C.qh_enc_error(e.enc)))
	}
	e.cfg.BitrateKbps = kbps
	return nil
}

// Bitrate reports the current target in kbps.
func (e *VP8) Bitrate() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cfg.BitrateKbps
}

// Encode encodes a captured frame. A frame of another size than the
// encoder's re-creates the encoder first (the result is a keyframe).
// frame is nil when the encoder produced nothing for this input.
func (e *VP8) Encode(img *capture.Image, forceKeyframe bool) (frame []byte, keyframe bool, err error) {
	if img == nil {
		return nil, false, fmt.Errorf("%w: nil image", ErrBadInput)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.enc != nil && (img.Width != e.cfg.Width || img.Height != e.cfg.Height) {
		if err := e.resizeLocked(img.Width, img.Height); err != nil {
			return nil, false, err
		}
	}
	return e.encodeLocked(img.Pix, img.Stride, img.Captured, forceKeyframe)
}

// EncodeBGRA encodes Width×Height BGRA pixels rows stride bytes apart,
// captured at at (zero: now).
func (e *VP8) EncodeBGRA(pix []byte, stride int, at time.Time, forceKeyframe bool) ([]byte, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.encodeLocked(pix, stride, at, forceKeyframe)
}

func (e *VP8) encodeLocked(pix []byte, stride int, at time.Time, forceKeyframe bool) ([]byte, bool, error) {
	if e.enc == nil {
		return nil, false, ErrClosed
	}
	if err := checkBGRA(pix, stride, e.cfg.Width, e.cfg.Height); err != nil {
		return nil, false, err
	}
	if at.IsZero() {
		at = time.Now()
	}
	pts, duration := e.timestamp(at)
	var (
		out    *C.uint8_t
		outLen C.size_t
		key    C.int
		force  C.int
	)
	if forceKeyframe {
		force = 1
	}
	if err := e.convertAndEncode(pix, stride, pts, duration, force, &out, &outLen, &key); err != nil {
		return nil, false, err
	}
	if outLen == 0 {
		return nil, false, nil
	}
	return C.GoBytes(unsafe.Pointer(out), C.int(outLen)), key != 0, nil
}

// Refining reports whether parts of the last frame are still short of the
// source: encoding the same picture again (a capture without new damage)
// makes them sharper. A still screen then costs nothing once it is sharp.
func (e *VP8) Refining() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.enc != nil && C.qh_enc_pending(e.enc) > 0
}

// RefinedOnly reports whether the last frame only sharpened blocks coded
// before: nothing on the screen had changed.
func (e *VP8) RefinedOnly() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.enc != nil && C.qh_enc_refined_only(e.enc) != 0
}

// timestamp maps a capture time to a strictly increasing pts in
// milliseconds and the duration since the previous frame.
func (e *VP8) timestamp(at time.Time) (pts, duration int64) {
	if e.lastPts < 0 {
		e.start = at
		e.lastPts = 0
		return 0, int64(1000 / e.cfg.FPS)
	}
	pts = at.Sub(e.start).Milliseconds()
	if pts <= e.lastPts {
		pts = e.lastPts + 1
	}
	duration = pts - e.lastPts
	e.lastPts = pts
	return pts, duration
}

// checkBGRA rejects buffers the C side would read past.
func checkBGRA(pix []byte, stride, w, h int) error {
	if stride < w*4 || stride > 4*MaxDimension+64 || len(pix) < stride*(h-1)+w*4 {
		return fmt.Errorf("%w: %d bytes, stride %d for %dx%d", ErrBadInput, len(pix), stride, w, h)
	}
	return nil
}

// Close frees the encoder; later calls return ErrClosed.
func (e *VP8) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.enc != nil {
		C.qh_enc_close(e.enc)
		e.enc = nil
	}
	return nil
}
