package encode

import (
	"image"
	"runtime"
	"sync"
)

// minRowsPerWorker keeps small frames on one goroutine: below it the
// hand-off costs more than the rows.
const minRowsPerWorker = 64

// bgraToI420Parallel is the pure Go conversion used where libyuv is not
// available (Windows): bgraToI420Go's exact formulas, split into bands of
// chroma rows converted concurrently, one per CPU. It returns when every
// band is done. dst and pix must have been checked (checkYCbCr, checkBGRA).
func bgraToI420Parallel(dst *image.YCbCr, pix []byte, stride int) {
	h := dst.Rect.Dy()
	ch := (h + 1) / 2
	workers := min(runtime.GOMAXPROCS(0), max(1, h/minRowsPerWorker))
	if workers <= 1 {
		bgraToI420Rows(dst, pix, stride, 0, ch)
		return
	}
	band := (ch + workers - 1) / workers
	var wg sync.WaitGroup
	for cy := 0; cy < ch; cy += band {
		wg.Go(func() { bgraToI420Rows(dst, pix, stride, cy, min(cy+band, ch)) })
	}
	wg.Wait()
}

// bgraToI420Rows converts chroma rows [cy0, cy1) and the luma rows they
// cover. Each band writes only its own rows, so bands may run at once.
func bgraToI420Rows(dst *image.YCbCr, pix []byte, stride, cy0, cy1 int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	cw := (w + 1) / 2
	for cy := cy0; cy < cy1; cy++ {
		y0 := cy * 2
		y1 := min(y0+1, h-1) // an odd last row is averaged with itself
		row0 := pix[y0*stride : y0*stride+w*4]
		row1 := pix[y1*stride : y1*stride+w*4]
		lum0 := dst.Y[y0*dst.YStride : y0*dst.YStride+w]
		lum1 := dst.Y[y1*dst.YStride : y1*dst.YStride+w]
		cb := dst.Cb[cy*dst.CStride : cy*dst.CStride+cw]
		cr := dst.Cr[cy*dst.CStride : cy*dst.CStride+cw]
		for cx := range cw {
			x0 := cx * 2
			x1 := min(x0+1, w-1)
			p00, p01 := row0[x0*4:x0*4+3:x0*4+3], row0[x1*4:x1*4+3:x1*4+3]
			p10, p11 := row1[x0*4:x0*4+3:x0*4+3], row1[x1*4:x1*4+3:x1*4+3]
			lum0[x0] = luma(p00)
			lum0[x1] = luma(p01)
			lum1[x0] = luma(p10)
			lum1[x1] = luma(p11)
			b := (int(p00[0]) + int(p01[0]) + int(p10[0]) + int(p11[0]) + 2) / 4
			g := (int(p00[1]) + int(p01[1]) + int(p10[1]) + int(p11[1]) + 2) / 4
			r := (int(p00[2]) + int(p01[2]) + int(p10[2]) + int(p11[2]) + 2) / 4
			cb[cx] = byte((112*b - 74*g - 38*r + 0x8080) >> 8)
			cr[cx] = byte((112*r - 94*g - 18*b + 0x8080) >> 8)
		}
	}
}

// luma is libyuv's BT.601 limited-range Y of one B,G,R pixel.
func luma(p []byte) byte {
	return byte((66*int(p[2]) + 129*int(p[1]) + 25*int(p[0]) + 0x1080) >> 8)
}

// BT.601 limited range to RGB in 16.16 fixed point:
// R = 1.164(Y-16) + 1.596(V-128), G = 1.164(Y-16) - 0.392(U-128) - 0.813(V-128),
// B = 1.164(Y-16) + 2.017(U-128).
const (
	fixY  = 76309
	fixRV = 104597
	fixGU = 25675
	fixGV = 53279
	fixBU = 132201
)

// i420ToRGBAGo converts a checked 4:2:0 image to RGBA with the inverse of
// the BT.601 formulas above, each chroma sample covering 2×2 pixels as in
// libyuv; the pure Go ToRGBA where libyuv is not available.
func i420ToRGBAGo(src *image.YCbCr) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		lum := src.Y[y*src.YStride : y*src.YStride+w]
		cb := src.Cb[(y/2)*src.CStride:]
		cr := src.Cr[(y/2)*src.CStride:]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for x := range w {
			l := (int(lum[x]) - 16) * fixY
			u, v := int(cb[x/2])-128, int(cr[x/2])-128
			out[x*4] = clamp8((l + fixRV*v + 1<<15) >> 16)
			out[x*4+1] = clamp8((l - fixGU*u - fixGV*v + 1<<15) >> 16)
			out[x*4+2] = clamp8((l + fixBU*u + 1<<15) >> 16)
			out[x*4+3] = 0xff
		}
	}
	return dst
}

func clamp8(v int) byte {
	return byte(min(max(v, 0), 255))
}
