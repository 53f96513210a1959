package main

import (
	"image"
	"math"
)

// The usual SSIM constants for 8-bit samples (Wang et al. 2004): K1 = 0.01,
// K2 = 0.03, L = 255, an 11×11 Gaussian window with σ = 1.5.
const (
	ssimC1     = (0.01 * 255) * (0.01 * 255)
	ssimC2     = (0.03 * 255) * (0.03 * 255)
	ssimRadius = 5
	ssimSigma  = 1.5
)

// Luma is an image's BT.601 luma, one float per pixel, row-major.
type Luma struct {
	W, H int
	Y    []float64
}

// LumaOf converts the rectangle r of img (8-bit per channel) to luma.
func LumaOf(img image.Image, r image.Rectangle) Luma {
	l := Luma{W: r.Dx(), H: r.Dy(), Y: make([]float64, r.Dx()*r.Dy())}
	for y := 0; y < l.H; y++ {
		for x := 0; x < l.W; x++ {
			cr, cg, cb, _ := img.At(r.Min.X+x, r.Min.Y+y).RGBA()
			l.Y[y*l.W+x] = 0.299*float64(cr>>8) + 0.587*float64(cg>>8) + 0.114*float64(cb>>8)
		}
	}
	return l
}

// PSNR is the peak signal-to-noise ratio of b against a in dB (peak 255);
// +Inf when they are identical.
func PSNR(a, b Luma) float64 {
	var se float64
	for i, v := range a.Y {
		d := v - b.Y[i]
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	mse := se / float64(len(a.Y))
	return 10 * math.Log10(255*255/mse)
}

// gaussian returns the normalised 1-D window.
func gaussian() []float64 {
	k := make([]float64, 2*ssimRadius+1)
	var sum float64
	for i := range k {
		d := float64(i - ssimRadius)
		k[i] = math.Exp(-d * d / (2 * ssimSigma * ssimSigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// blur filters src (w×h) with the separable window and returns the valid
// part: (w-2r)×(h-2r) values, each a window entirely inside the image.
func blur(src []float64, w, h int, k []float64) []float64 {
	r := len(k) / 2
	ow, oh := w-2*r, h-2*r
	tmp := make([]float64, ow*h)
	for y := 0; y < h; y++ {
		row := src[y*w:]
		for x := 0; x < ow; x++ {
			var s float64
			for i, kv := range k {
				s += kv * row[x+i]
			}
			tmp[y*ow+x] = s
		}
	}
	out := make([]float64, ow*oh)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			var s float64
			for i, kv := range k {
				s += kv * tmp[(y+i)*ow+x]
			}
			out[y*ow+x] = s
		}
	}
	return out
}

// SSIM is the mean structural similarity of a and b over every 11×11
// Gaussian window that lies inside the images (same size, at least 11×11).
func SSIM(a, b Luma) float64 {
	k := gaussian()
	n := len(a.Y)
	aa, bb, ab := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range a.Y {
		aa[i] = a.Y[i] * a.Y[i]
		bb[i] = b.Y[i] * b.Y[i]
		ab[i] = a.Y[i] * b.Y[i]
	}
	ma, mb := blur(a.Y, a.W, a.H, k), blur(b.Y, b.W, b.H, k)
	saa, sbb, sab := blur(aa, a.W, a.H, k), blur(bb, a.W, a.H, k), blur(ab, a.W, a.H, k)
	var sum float64
	for i := range ma {
		mx, my := ma[i], mb[i]
		vx, vy, cxy := saa[i]-mx*mx, sbb[i]-my*my, sab[i]-mx*my
		sum += ((2*mx*my + ssimC1) * (2*cxy + ssimC2)) / ((mx*mx + my*my + ssimC1) * (vx + vy + ssimC2))
	}
	return sum / float64(len(ma))
}
