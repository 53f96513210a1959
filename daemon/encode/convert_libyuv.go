//go:build !windows

package encode

/*
#include "vp8.h"
*/
import "C"

import (
	"fmt"
	"image"
	"unsafe"
)

// BGRAToI420 converts BGRA pixels (capture.Image layout) into dst, whose
// rectangle gives the size, with libyuv (BT.601 limited range, the colour
// space VP8 decoders assume).
func BGRAToI420(dst *image.YCbCr, pix []byte, stride int) error {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	if err := checkYCbCr(dst); err != nil {
		return err
	}
	if err := checkBGRA(pix, stride, w, h); err != nil {
		return err
	}
	if C.qh_bgra_to_i420((*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(stride),
		(*C.uint8_t)(unsafe.Pointer(&dst.Y[0])), C.int(dst.YStride),
		(*C.uint8_t)(unsafe.Pointer(&dst.Cb[0])), C.int(dst.CStride),
		(*C.uint8_t)(unsafe.Pointer(&dst.Cr[0])), C.int(dst.CStride),
		C.int(w), C.int(h)) != 0 {
		return fmt.Errorf("%w: ARGBToI420", ErrCodec)
	}
	return nil
}

// ToRGBA converts a decoded 4:2:0 image to RGBA with libyuv.
func ToRGBA(src *image.YCbCr) (*image.RGBA, error) {
	if err := checkYCbCr(src); err != nil {
		return nil, err
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if C.qh_i420_to_rgba((*C.uint8_t)(unsafe.Pointer(&src.Y[0])), C.int(src.YStride),
		(*C.uint8_t)(unsafe.Pointer(&src.Cb[0])), C.int(src.CStride),
		(*C.uint8_t)(unsafe.Pointer(&src.Cr[0])), C.int(src.CStride),
		(*C.uint8_t)(unsafe.Pointer(&dst.Pix[0])), C.int(dst.Stride), C.int(w), C.int(h)) != 0 {
		return nil, fmt.Errorf("%w: I420ToABGR", ErrCodec)
	}
	return dst, nil
}

// convertAndEncode converts pix with libyuv and encodes it, in one C call.
func (e *VP8) convertAndEncode(pix []byte, stride int, pts, duration int64, force C.int,
	out **C.uint8_t, outLen *C.size_t, key *C.int) error {
	// pix is Go memory without Go pointers, read only during the call.
	if C.qh_enc_encode(e.enc, (*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(stride),
		C.int64_t(pts), C.ulong(duration), force, out, outLen, key) != 0 {
		return fmt.Errorf("%w: encode: %s", ErrCodec, C.GoString(C.qh_enc_error(e.enc)))
	}
	return nil
}
