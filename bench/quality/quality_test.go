package main

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// text draws a page of pseudo-text: dark 2×3 strokes on white, like glyphs.
func text(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{255, 255, 255, 255})
		}
	}
	for cy := 0; cy+15 <= h; cy += 15 {
		for cx := 0; cx+9 <= w; cx += 9 {
			for s := 0; s < 6; s++ {
				x, y := cx+1+r.IntN(6), cy+2+r.IntN(10)
				for dy := range 3 {
					for dx := range 2 {
						img.Set(x+dx, y+dy, color.RGBA{0, 0, 0, 255})
					}
				}
			}
		}
	}
	return img
}

func luma(img image.Image) Luma { return LumaOf(img, img.Bounds()) }

func uniform(w, h int, v float64) Luma {
	l := Luma{W: w, H: h, Y: make([]float64, w*h)}
	for i := range l.Y {
		l.Y[i] = v
	}
	return l
}

func TestIdentical(t *testing.T) {
	a := luma(text(90, 60, 1))
	if got := SSIM(a, a); math.Abs(got-1) > 1e-12 {
		t.Errorf("SSIM(a, a) = %v, want 1", got)
	}
	if got := PSNR(a, a); !math.IsInf(got, 1) {
		t.Errorf("PSNR(a, a) = %v, want +Inf", got)
	}
}

func TestUniformOffset(t *testing.T) {
	// Flat images differing by d everywhere: MSE = d², and only SSIM's
	// luminance term is below 1, (2μxμy+C1)/(μx²+μy²+C1).
	const a, d = 100.0, 5.0
	x, y := uniform(40, 30, a), uniform(40, 30, a+d)
	wantPSNR := 10 * math.Log10(255*255/(d*d))
	if got := PSNR(x, y); math.Abs(got-wantPSNR) > 1e-9 {
		t.Errorf("PSNR = %v, want %v", got, wantPSNR)
	}
	wantSSIM := (2*a*(a+d) + ssimC1) / (a*a + (a+d)*(a+d) + ssimC1)
	if got := SSIM(x, y); math.Abs(got-wantSSIM) > 1e-9 {
		t.Errorf("SSIM = %v, want %v", got, wantSSIM)
	}
}

func TestShiftedAndNoisyText(t *testing.T) {
	img := text(180, 90, 7)
	a := luma(img)
	// Shifted by one pixel: the strokes no longer line up.
	shifted := LumaOf(img, image.Rect(1, 0, 180, 90))
	if s := SSIM(LumaOf(img, image.Rect(0, 0, 179, 90)), shifted); s > 0.8 {
		t.Errorf("SSIM of text shifted by 1 px = %v, want < 0.8", s)
	}
	// Gaussian noise of σ = 8: PSNR ≈ 20·log10(255/8) ≈ 30.1 dB, SSIM
	// clearly below 1 but well above a shift's.
	r := rand.New(rand.NewPCG(3, 4))
	noisy := Luma{W: a.W, H: a.H, Y: make([]float64, len(a.Y))}
	for i, v := range a.Y {
		noisy.Y[i] = v + 8*r.NormFloat64()
	}
	if p := PSNR(a, noisy); math.Abs(p-30.07) > 0.3 {
		t.Errorf("PSNR with σ=8 noise = %.2f dB, want 30.07 ± 0.3", p)
	}
	if s := SSIM(a, noisy); s < 0.85 || s > 0.99 {
		t.Errorf("SSIM with σ=8 noise = %v, want in [0.85, 0.99]", s)
	}
}
