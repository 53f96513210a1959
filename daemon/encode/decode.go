package encode

/*
#include "vp8.h"
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"image"
	"sync"
	"unsafe"

	"github.com/quickhelp/quickhelp/wire"
)

// Decoder limits: frames arrive from the network, so their declared size
// is checked before libvpx allocates for it.
const (
	// MaxDecodeWidth and MaxDecodeHeight bound a keyframe's declared size (8K).
	MaxDecodeWidth  = 7680
	MaxDecodeHeight = 4320
)

// VP8Decoder decodes a VP8 stream. Safe for concurrent use; frames must be
// fed in stream order.
type VP8Decoder struct {
	mu          sync.Mutex // guards dec and sawKeyframe
	dec         *C.qh_dec
	sawKeyframe bool
}

// NewVP8Decoder opens a decoder.
func NewVP8Decoder() (*VP8Decoder, error) {
	var errBuf [256]C.char
	d := C.qh_dec_open(1, &errBuf[0], C.size_t(len(errBuf)))
	if d == nil {
		return nil, fmt.Errorf("%w: %s", ErrCodec, C.GoString(&errBuf[0]))
	}
	return &VP8Decoder{dec: d}, nil
}

// checkVP8 validates the frame header (RFC 6386 §9.1) before libvpx sees
// the bytes: a keyframe must carry the start code and a size within the
// limits, and nothing decodes before the first keyframe.
func checkVP8(b []byte, sawKeyframe bool) (keyframe bool, err error) {
	if len(b) < 3 || len(b) > wire.MaxFrameBytes {
		return false, fmt.Errorf("%w: %d bytes", ErrCorrupt, len(b))
	}
	tag := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	keyframe = tag&1 == 0
	if int(tag>>5) > len(b)-3 {
		return false, fmt.Errorf("%w: first partition past the end", ErrCorrupt)
	}
	if !keyframe {
		if !sawKeyframe {
			return false, fmt.Errorf("%w: interframe before a keyframe", ErrCorrupt)
		}
		return false, nil
	}
	if len(b) < 10 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return false, fmt.Errorf("%w: bad keyframe start code", ErrCorrupt)
	}
	w := int(binary.LittleEndian.Uint16(b[6:]) & 0x3fff)
	h := int(binary.LittleEndian.Uint16(b[8:]) & 0x3fff)
	if w == 0 || h == 0 || w > MaxDecodeWidth || h > MaxDecodeHeight {
		return false, fmt.Errorf("%w: keyframe size %dx%d", ErrCorrupt, w, h)
	}
	return true, nil
}

// Decode decodes one frame into a new 4:2:0 image. It returns (nil, nil)
// when the frame produced no picture.
func (d *VP8Decoder) Decode(frame []byte) (*image.YCbCr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dec == nil {
		return nil, ErrClosed
	}
	key, err := checkVP8(frame, d.sawKeyframe)
	if err != nil {
		return nil, err
	}
	var (
		got, ys, us, vs, w, h C.int
		y, u, v               *C.uint8_t
	)
	rc := C.qh_dec_decode(d.dec, (*C.uint8_t)(unsafe.Pointer(&frame[0])), C.size_t(len(frame)),
		&got, &y, &u, &v, &ys, &us, &vs, &w, &h)
	if rc != 0 {
		return nil, fmt.Errorf("%w: %s", ErrCorrupt, C.GoString(C.qh_dec_error(d.dec)))
	}
	if key {
		d.sawKeyframe = true
	}
	if got == 0 {
		return nil, nil
	}
	img := image.NewYCbCr(image.Rect(0, 0, int(w), int(h)), image.YCbCrSubsampleRatio420)
	copyPlane(img.Y, img.YStride, y, int(ys), int(w), int(h))
	cw, ch := (int(w)+1)/2, (int(h)+1)/2
	copyPlane(img.Cb, img.CStride, u, int(us), cw, ch)
	copyPlane(img.Cr, img.CStride, v, int(vs), cw, ch)
	return img, nil
}

func copyPlane(dst []byte, dstStride int, src *C.uint8_t, srcStride, w, h int) {
	s := unsafe.Slice((*byte)(unsafe.Pointer(src)), srcStride*(h-1)+w)
	for row := range h {
		copy(dst[row*dstStride:row*dstStride+w], s[row*srcStride:row*srcStride+w])
	}
}

// Close frees the decoder.
func (d *VP8Decoder) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dec != nil {
		C.qh_dec_close(d.dec)
		d.dec = nil
	}
	return nil
}
