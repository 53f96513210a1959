package encode

import (
	"image"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
)

// patternFrame returns frame n of the capture test pattern.
func patternFrame(w, h, n int) *capture.Image {
	img := &capture.Image{Width: w, Height: h, Stride: w * 4, Pix: make([]byte, w*h*4)}
	capture.DrawPattern(img, n)
	return img
}

// document is a tall page of text-like content (dark glyph blocks on white
// lines) to scroll through, like a browser or editor.
func document(w, h int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	pix := make([]byte, w*h*4)
	for i := range pix {
		pix[i] = 0xff
	}
	for line := 0; line+14 < h; line += 20 {
		for x := 16; x+8 < w-16; {
			word := 2 + r.IntN(8)
			for c := 0; c < word && x+8 < w-16; c++ {
				shade := byte(r.IntN(80))
				for y := line + 3 + r.IntN(3); y < line+14; y++ {
					for dx := 1; dx < 7; dx++ {
						if r.IntN(3) > 0 {
							o := y*w*4 + (x+dx)*4
							pix[o], pix[o+1], pix[o+2] = shade, shade, shade
						}
					}
				}
				x += 8
			}
			x += 8
		}
	}
	return pix
}

// scrolled returns the h rows of doc starting at row top.
func scrolled(doc []byte, w, h, top int) *capture.Image {
	return &capture.Image{Width: w, Height: h, Stride: w * 4, Pix: doc[top*w*4 : (top+h)*w*4]}
}

// frameTime spaces frames 1/30 s apart so rate control sees a real rate.
func frameTime(n int) time.Time {
	return time.Unix(1_700_000_000, 0).Add(time.Duration(n) * time.Second / 30)
}

// lumaPSNR compares the Y plane of got with the Y plane of the source
// pixels converted by the reference Go path.
func lumaPSNR(t testing.TB, src *capture.Image, got *image.YCbCr) float64 {
	t.Helper()
	want := image.NewYCbCr(image.Rect(0, 0, src.Width, src.Height), image.YCbCrSubsampleRatio420)
	bgraToI420Go(want, src.Pix, src.Stride)
	psnr, err := LumaPSNR(want, got)
	if err != nil {
		t.Fatalf("LumaPSNR: %v", err)
	}
	return psnr
}
