package encode

import (
	"image"
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
