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
// rectangle gives the size, with libyuv's BT.601 limited-range formulas in
// parallel Go: Debian ships no libyuv for Windows.
func BGRAToI420(dst *image.YCbCr, pix []byte, stride int) error {
	if err := checkYCbCr(dst); err != nil {
		return err
	}
	if err := checkBGRA(pix, stride, dst.Rect.Dx(), dst.Rect.Dy()); err != nil {
		return err
	}
	bgraToI420Parallel(dst, pix, stride)
	return nil
}

// ToRGBA converts a decoded 4:2:0 image to RGBA (BT.601 limited range).
func ToRGBA(src *image.YCbCr) (*image.RGBA, error) {
	if err := checkYCbCr(src); err != nil {
		return nil, err
	}
	return i420ToRGBAGo(src), nil
}

// convertAndEncode converts pix straight into the encoder's C-allocated
// I420 image (no copy) and encodes it.
func (e *VP8) convertAndEncode(pix []byte, stride int, pts, duration int64, force C.int,
	out **C.uint8_t, outLen *C.size_t, key *C.int) error {
	var (
		y, u, v    *C.uint8_t
		ys, us, vs C.int
	)
	C.qh_enc_image(e.enc, &y, &u, &v, &ys, &us, &vs)
	w, h := e.cfg.Width, e.cfg.Height
	ch := (h + 1) / 2
	img := &image.YCbCr{
		Y:  unsafe.Slice((*byte)(unsafe.Pointer(y)), int(ys)*h),
		Cb: unsafe.Slice((*byte)(unsafe.Pointer(u)), int(us)*ch),
		Cr: unsafe.Slice((*byte)(unsafe.Pointer(v)), int(vs)*ch),
		// vpx_img_alloc gives both chroma planes the same stride.
		YStride: int(ys), CStride: int(us),
		SubsampleRatio: image.YCbCrSubsampleRatio420,
		Rect:           image.Rect(0, 0, w, h),
	}
	if us != vs || checkYCbCr(img) != nil {
		return fmt.Errorf("%w: unexpected libvpx image strides %d/%d/%d for %dx%d", ErrCodec, ys, us, vs, w, h)
	}
	bgraToI420Parallel(img, pix, stride)
	if C.qh_enc_encode_image(e.enc, C.int64_t(pts), C.ulong(duration), force, out, outLen, key) != 0 {
		return fmt.Errorf("%w: encode: %s", ErrCodec, C.GoString(C.qh_enc_error(e.enc)))
	}
	return nil
}
