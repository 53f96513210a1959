package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func writePNG(t *testing.T, img image.Image) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompareFiles(t *testing.T) {
	a := text(120, 60, 5)
	b := text(120, 60, 5)
	// A different glyph row below y=30 only.
	other := text(120, 60, 6)
	for y := 30; y < 60; y++ {
		for x := 0; x < 120; x++ {
			b.Set(x, y, other.At(x, y))
		}
	}
	pa, pb := writePNG(t, a), writePNG(t, b)
	same, err := compare(pa, pb, image.Rect(0, 0, 120, 30))
	if err != nil {
		t.Fatal(err)
	}
	if same.SSIM != 1 || same.PSNRdB != nil || same.W != 120 || same.H != 30 {
		t.Errorf("top half = %+v, want SSIM 1, PSNR null, 120×30", same)
	}
	all, err := compare(pa, pb, image.Rectangle{})
	if err != nil {
		t.Fatal(err)
	}
	if all.SSIM >= 0.9 || all.PSNRdB == nil {
		t.Errorf("whole = %+v, want SSIM < 0.9 and a PSNR", all)
	}
	if _, err := compare(pa, pb, image.Rect(100, 0, 130, 30)); err == nil {
		t.Error("a rectangle outside the images was accepted")
	}
}
