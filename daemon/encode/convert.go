package encode

import (
	"fmt"
	"image"
	"math"
)

// checkYCbCr rejects images whose planes are too small for their rectangle
// (the C code trusts the sizes), or that are not 4:2:0 at the origin.
func checkYCbCr(m *image.YCbCr) error {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 || m.Rect.Min != (image.Point{}) ||
		w < 1 || h < 1 || m.YStride < w || m.CStride < cw ||
		len(m.Y) < m.YStride*(h-1)+w || len(m.Cb) < m.CStride*(ch-1)+cw || len(m.Cr) < m.CStride*(ch-1)+cw {
		return fmt.Errorf("%w: YCbCr %v", ErrBadInput, m.Rect)
	}
	return nil
}

// bgraToI420Go is the plain Go conversion with libyuv's BT.601 integer
// formulas; kept to check libyuv and to measure what SIMD saves.
func bgraToI420Go(dst *image.YCbCr, pix []byte, stride int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := range h {
		row := pix[y*stride:]
		out := dst.Y[y*dst.YStride:]
		for x := range w {
			b, g, r := int(row[x*4]), int(row[x*4+1]), int(row[x*4+2])
			out[x] = byte((66*r + 129*g + 25*b + 0x1080) >> 8)
		}
	}
	for cy := 0; cy < (h+1)/2; cy++ {
		y0, y1 := cy*2, min(cy*2+1, h-1)
		for cx := 0; cx < (w+1)/2; cx++ {
			x0, x1 := cx*2, min(cx*2+1, w-1)
			var r, g, b int
			for _, p := range [4]int{y0*stride + x0*4, y0*stride + x1*4, y1*stride + x0*4, y1*stride + x1*4} {
				b += int(pix[p])
				g += int(pix[p+1])
				r += int(pix[p+2])
			}
			r, g, b = (r+2)/4, (g+2)/4, (b+2)/4
			dst.Cb[cy*dst.CStride+cx] = byte((112*b - 74*g - 38*r + 0x8080) >> 8)
			dst.Cr[cy*dst.CStride+cx] = byte((112*r - 94*g - 18*b + 0x8080) >> 8)
		}
	}
}

// LumaPSNR returns the peak signal-to-noise ratio in dB between the Y
// planes of two images of the same size (99 when identical). End-to-end
// tests use it to check that a decoded frame reproduces a known picture.
func LumaPSNR(want, got *image.YCbCr) (float64, error) {
	if err := checkYCbCr(want); err != nil {
		return 0, err
	}
	if err := checkYCbCr(got); err != nil {
		return 0, err
	}
	w, h := want.Rect.Dx(), want.Rect.Dy()
	if got.Rect.Dx() != w || got.Rect.Dy() != h {
		return 0, fmt.Errorf("%w: sizes %v and %v differ", ErrBadInput, want.Rect, got.Rect)
	}
	var sse float64
	for y := range h {
		a, b := want.Y[y*want.YStride:y*want.YStride+w], got.Y[y*got.YStride:y*got.YStride+w]
		for x := range w {
			d := float64(a[x]) - float64(b[x])
			sse += d * d
		}
	}
	if sse == 0 {
		return 99, nil
	}
	return 10 * math.Log10(255*255*float64(w*h)/sse), nil
}
