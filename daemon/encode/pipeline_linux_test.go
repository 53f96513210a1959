//go:build linux

package encode

import (
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
)

// pipelineDisplay is this package's reserved Xvfb display number.
const pipelineDisplay = 93

// TestCaptureEncodeDecode runs the sharer's video path on a real X server:
// a known picture put on the screen is captured, encoded, decoded, and
// compared with the picture (not with the capture).
func TestCaptureEncodeDecode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := xvfb.Start(ctx, pipelineDisplay, 1280, 720)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		t.Skip("Xvfb is not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p, err := xvfb.NewPainter(srv.Display)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	src, err := capture.New(capture.Config{Display: srv.Display})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	e := newEncoder(t, Config{Width: 1280, Height: 720, BitrateKbps: 4000})
	d := newDecoder(t)

	doc := capture.TextPage(1280, 720, 5)
	var prev *image.YCbCr
	for n := range 6 {
		want := patternFrame(1280, 720, n)
		if n == 5 { // text-like content, which VP8 cannot reproduce exactly
			want.Pix = doc
		}
		if err := p.Put(0, 0, 1280, 720, want.Pix); err != nil {
			t.Fatal(err)
		}
		img, err := src.Next(ctx) // woken by the damage of the Put
		if err != nil {
			t.Fatalf("frame %d: Next: %v", n, err)
		}
		frame, _, err := e.Encode(img, false)
		if err != nil || frame == nil {
			t.Fatalf("frame %d: Encode = %d bytes, %v", n, len(frame), err)
		}
		got, err := d.Decode(frame)
		if err != nil {
			t.Fatalf("frame %d: Decode: %v", n, err)
		}
		ref := image.NewYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio420)
		bgraToI420Go(ref, want.Pix, want.Stride)
		psnr, err := LumaPSNR(ref, got)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("frame %d: %d bytes, luma PSNR %.1f dB", n, len(frame), psnr)
		if psnr < 30 {
			t.Errorf("frame %d: luma PSNR = %.1f dB, want >= 30", n, psnr)
		}
		// Put is a round trip, so the damage it raised describes pixels
		// already on the screen: the frame must show this picture, not the
		// previous one.
		if prev != nil {
			if stale, _ := LumaPSNR(prev, got); stale >= psnr {
				t.Errorf("frame %d: closer to the previous picture (%.1f dB) than to this one (%.1f dB)", n, stale, psnr)
			}
		}
		prev = ref
	}
}
