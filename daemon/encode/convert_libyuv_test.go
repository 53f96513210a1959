//go:build !windows

package encode

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestGoRGBAMatchesLibyuv checks the pure Go I420→RGBA used on Windows
// against libyuv's I420ToABGR on every Y, U, V combination along a random
// walk and on the test pattern.
func TestGoRGBAMatchesLibyuv(t *testing.T) {
	// libyuv rounds its coefficients to 6 bits (U→B is 2.0, not 2.018), so
	// saturated chroma differs by up to 3; real pictures stay within 2.
	const tolerance = 3
	r := rand.New(rand.NewPCG(5, 6))
	random := image.NewYCbCr(image.Rect(0, 0, 256, 255), image.YCbCrSubsampleRatio420)
	for _, plane := range [][]byte{random.Y, random.Cb, random.Cr} {
		for i := range plane {
			plane[i] = byte(r.Uint32())
		}
	}
	pattern := image.NewYCbCr(image.Rect(0, 0, 321, 241), image.YCbCrSubsampleRatio420)
	src := patternFrame(321, 241, 2)
	bgraToI420Go(pattern, src.Pix, src.Stride)
	tests := []struct {
		name string
		img  *image.YCbCr
	}{{"random", random}, {"pattern odd size", pattern}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := ToRGBA(tt.img)
			if err != nil {
				t.Fatalf("ToRGBA: %v", err)
			}
			got := i420ToRGBAGo(tt.img)
			worst := 0
			for i := range want.Pix {
				d := int(got.Pix[i]) - int(want.Pix[i])
				worst = max(worst, d, -d)
				if d > tolerance || d < -tolerance {
					t.Fatalf("Pix[%d] = %d (Go), %d (libyuv): differ by more than %d", i, got.Pix[i], want.Pix[i], tolerance)
				}
			}
			t.Logf("largest difference: %d", worst)
		})
	}
}
