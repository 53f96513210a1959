package encode

import (
	"errors"
	"image"
	"math/rand/v2"
	"testing"
)

func TestLibyuvMatchesGoConversion(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 97*61*4)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	tests := []struct {
		name string
		w, h int
		pix  []byte
	}{
		{"pattern", 320, 240, patternFrame(320, 240, 3).Pix},
		{"random odd size", 97, 61, random},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rect := image.Rect(0, 0, tt.w, tt.h)
			yuv := image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
			ref := image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
			if err := BGRAToI420(yuv, tt.pix, tt.w*4); err != nil {
				t.Fatalf("BGRAToI420: %v", err)
			}
			bgraToI420Go(ref, tt.pix, tt.w*4)
			for _, p := range []struct {
				name      string
				got, want []byte
			}{{"Y", yuv.Y, ref.Y}, {"Cb", yuv.Cb, ref.Cb}, {"Cr", yuv.Cr, ref.Cr}} {
				for i := range p.want {
					if d := int(p.got[i]) - int(p.want[i]); d > 2 || d < -2 {
						t.Fatalf("%s[%d] = %d (libyuv), %d (Go): differ by more than 2", p.name, i, p.got[i], p.want[i])
					}
				}
			}
		})
	}
}

func TestConvertRejectsBadSizes(t *testing.T) {
	good := image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio420)
	pix := make([]byte, 16*16*4)
	if err := BGRAToI420(good, pix[:100], 64); !errors.Is(err, ErrBadInput) {
		t.Errorf("BGRAToI420(short pixels) = %v, want ErrBadInput", err)
	}
	short := &image.YCbCr{Y: make([]byte, 10), Cb: make([]byte, 64), Cr: make([]byte, 64),
		YStride: 16, CStride: 8, SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, 16, 16)}
	if err := BGRAToI420(short, pix, 64); !errors.Is(err, ErrBadInput) {
		t.Errorf("BGRAToI420(short Y plane) = %v, want ErrBadInput", err)
	}
	if _, err := ToRGBA(short); !errors.Is(err, ErrBadInput) {
		t.Errorf("ToRGBA(short Y plane) = %v, want ErrBadInput", err)
	}
	yuv444 := image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio444)
	if _, err := ToRGBA(yuv444); !errors.Is(err, ErrBadInput) {
		t.Errorf("ToRGBA(4:4:4) = %v, want ErrBadInput", err)
	}
}

func TestLumaPSNR(t *testing.T) {
	a := image.NewYCbCr(image.Rect(0, 0, 4, 4), image.YCbCrSubsampleRatio420)
	b := image.NewYCbCr(image.Rect(0, 0, 4, 4), image.YCbCrSubsampleRatio420)
	if got, err := LumaPSNR(a, b); err != nil || got != 99 {
		t.Errorf("LumaPSNR(identical) = %v, %v; want 99", got, err)
	}
	for i := range b.Y {
		b.Y[i] = 16 // every sample off by 16: MSE 256, PSNR 10*log10(255²/256) ≈ 24.05
	}
	if got, err := LumaPSNR(a, b); err != nil || got < 24.0 || got > 24.1 {
		t.Errorf("LumaPSNR(off by 16) = %v, %v; want about 24.05", got, err)
	}
	c := image.NewYCbCr(image.Rect(0, 0, 4, 2), image.YCbCrSubsampleRatio420)
	if _, err := LumaPSNR(a, c); !errors.Is(err, ErrBadInput) {
		t.Errorf("LumaPSNR(different sizes) = %v, want ErrBadInput", err)
	}
}

// TestParallelConversionMatchesReference checks that the banded conversion
// (the one Windows encodes with) writes exactly what the plain reference
// does, at sizes with one band, several bands, odd sides and padded rows.
func TestParallelConversionMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name      string
		w, h, pad int
	}{
		{"tiny", 2, 2, 0},
		{"one band odd", 33, 17, 0},
		{"bands odd height", 641, 481, 12},
		{"1080p", 1920, 1080, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stride := tt.w*4 + tt.pad
			pix := make([]byte, stride*tt.h)
			for i := range pix {
				pix[i] = byte(r.Uint32())
			}
			rect := image.Rect(0, 0, tt.w, tt.h)
			got := image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
			want := image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
			bgraToI420Parallel(got, pix, stride)
			bgraToI420Go(want, pix, stride)
			for _, p := range []struct {
				name      string
				got, want []byte
			}{{"Y", got.Y, want.Y}, {"Cb", got.Cb, want.Cb}, {"Cr", got.Cr, want.Cr}} {
				for i := range p.want {
					if p.got[i] != p.want[i] {
						t.Fatalf("%s[%d] = %d (parallel), want %d (reference)", p.name, i, p.got[i], p.want[i])
					}
				}
			}
		})
	}
}
