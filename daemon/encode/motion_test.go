package encode

import (
	"encoding/binary"
	"image"
	"testing"

	"github.com/quickhelp/quickhelp/daemon/capture"
)

// vp8KeySize reads a VP8 keyframe's coded size and upscaling fields.
func vp8KeySize(t *testing.T, frame []byte) (w, h, hscale, vscale int) {
	t.Helper()
	if len(frame) < 10 || frame[0]&1 != 0 || frame[3] != 0x9d {
		t.Fatalf("not a VP8 keyframe: % x", frame[:min(len(frame), 10)])
	}
	x, y := binary.LittleEndian.Uint16(frame[6:]), binary.LittleEndian.Uint16(frame[8:])
	return int(x & 0x3fff), int(y & 0x3fff), int(x >> 14), int(y >> 14)
}

// motionRig feeds an encoder a page that moves by 8 rows a frame (every
// macroblock changes) and decodes what comes out.
type motionRig struct {
	t    *testing.T
	e    *VP8
	d    *VP8Decoder
	doc  []byte
	w, h int
	n    int
}

func newMotionRig(t *testing.T, w, h int) *motionRig {
	return &motionRig{t: t, e: newEncoder(t, Config{Width: w, Height: h, BitrateKbps: 4000}), d: newDecoder(t),
		doc: capture.TextPage(w, h+400, 7), w: w, h: h}
}

// frame encodes the page moved by move rows (0: as the last frame) and
// returns the frame, whether it is a keyframe and the decoded picture.
func (r *motionRig) frame(move int) ([]byte, bool, *image.YCbCr) {
	r.t.Helper()
	r.n++
	top := (r.n * move) % 400
	if move == 0 {
		top = ((r.n - 1) * 8) % 400
	}
	src := scrolled(r.doc, r.w, r.h, top)
	src.Captured = frameTime(r.n)
	out, key, err := r.e.Encode(src, false)
	if err != nil {
		r.t.Fatalf("frame %d: %v", r.n, err)
	}
	if out == nil {
		return nil, false, nil
	}
	pic, err := r.d.Decode(out)
	if err != nil || pic == nil {
		r.t.Fatalf("frame %d: decode = %v, %v", r.n, pic, err)
	}
	return out, key, pic
}

func TestFullScreenMotionGoesToHalfSizeAndBack(t *testing.T) {
	r := newMotionRig(t, 1280, 720)
	r.e.SetViewerLimited(true)
	for n := range motionEnterRun {
		if _, _, pic := r.frame(8); pic.Rect.Dx() != 1280 {
			t.Fatalf("frame %d: %v, want full size before the motion counts", n, pic.Rect)
		}
	}
	if !r.e.HalfSize() {
		t.Fatalf("HalfSize = false after %d moving frames with a limited viewer", motionEnterRun)
	}
	out, key, pic := r.frame(8)
	if !key {
		t.Fatal("first half-size frame is not a keyframe")
	}
	if w, h, hs, vs := vp8KeySize(t, out); w != 640 || h != 360 || hs != 3 || vs != 3 {
		t.Fatalf("half-size keyframe %dx%d scale %d/%d, want 640x360 scale 3/3", w, h, hs, vs)
	}
	if pic.Rect.Dx() != 640 || pic.Rect.Dy() != 360 {
		t.Fatalf("decoded %v, want 640x360", pic.Rect)
	}
	// The picture is the screen at half size: compare with 2×2 averages
	// of the source's luma.
	src := scrolled(r.doc, 1280, 720, (r.n*8)%400)
	full := image.NewYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio420)
	bgraToI420Go(full, src.Pix, src.Stride)
	var sum, cnt int
	for y := 0; y < 360; y++ {
		for x := 0; x < 640; x++ {
			a := func(dx, dy int) int { return int(full.Y[(2*y+dy)*full.YStride+2*x+dx]) }
			want := (a(0, 0) + a(1, 0) + a(0, 1) + a(1, 1) + 2) / 4
			sum += abs(int(pic.Y[y*pic.YStride+x]) - want)
			cnt++
		}
	}
	if mean := float64(sum) / float64(cnt); mean > 6 {
		t.Errorf("half-size picture differs from the halved screen by %.1f on average, want <= 6", mean)
	}
	// The viewer catching up does not end it; the motion stopping does.
	r.e.SetViewerLimited(false)
	for n := range 5 {
		out, key, pic := r.frame(8)
		if key || pic.Rect.Dx() != 640 || len(out) == 0 {
			t.Fatalf("moving frame %d: key %v size %v, want half-size delta frames", n, key, pic.Rect)
		}
	}
	if !r.e.Refining() {
		t.Error("Refining = false at half size: a still screen would never be coded at full size")
	}
	out, key, pic = r.frame(0) // the same picture again: still
	if !key || pic.Rect.Dx() != 1280 {
		t.Fatalf("still after motion: key %v size %v, want a full-size keyframe", key, pic.Rect)
	}
	if _, _, hs, vs := vp8KeySize(t, out); hs != 0 || vs != 0 {
		t.Errorf("full-size keyframe scale %d/%d, want 0/0", hs, vs)
	}
	if r.e.HalfSize() {
		t.Error("HalfSize = true after the motion stopped")
	}
}

func TestMotionStaysFullSize(t *testing.T) {
	t.Run("viewer keeps up", func(t *testing.T) {
		r := newMotionRig(t, 1280, 720)
		for n := range 8 {
			if _, _, pic := r.frame(8); pic.Rect.Dx() != 1280 {
				t.Fatalf("frame %d: %v, want full size", n, pic.Rect)
			}
		}
	})
	t.Run("small screen", func(t *testing.T) {
		r := newMotionRig(t, 960, 540)
		r.e.SetViewerLimited(true)
		for n := range 8 {
			if _, _, pic := r.frame(8); pic.Rect.Dx() != 960 {
				t.Fatalf("frame %d: %v, want full size", n, pic.Rect)
			}
		}
	})
	t.Run("odd size", func(t *testing.T) {
		r := newMotionRig(t, 1365, 767)
		r.e.SetViewerLimited(true)
		for n := range 8 {
			if _, _, pic := r.frame(8); pic.Rect.Dx() != 1365 {
				t.Fatalf("frame %d: %v, want full size", n, pic.Rect)
			}
		}
	})
}

func TestMotionShrinkingToSmallChangesReturnsToFullSize(t *testing.T) {
	r := newMotionRig(t, 1280, 720)
	r.e.SetViewerLimited(true)
	for range motionEnterRun + 2 {
		r.frame(8)
	}
	if !r.e.HalfSize() {
		t.Fatal("not at half size")
	}
	// Now only a small square changes, frame after frame.
	base := scrolled(r.doc, 1280, 720, (r.n*8)%400)
	pix := append([]byte(nil), base.Pix...)
	for n := 1; n <= motionLeaveRun; n++ {
		for y := 100; y < 164; y++ {
			for x := 100; x < 164; x++ {
				pix[y*base.Stride+x*4] = byte(n * 60)
			}
		}
		r.n++
		out, key, err := r.e.Encode(&capture.Image{Width: 1280, Height: 720, Stride: base.Stride, Pix: pix, Captured: frameTime(r.n)}, false)
		if err != nil || out == nil {
			t.Fatalf("small change %d: %v, %d bytes", n, err, len(out))
		}
		pic, err := r.d.Decode(out)
		if err != nil {
			t.Fatal(err)
		}
		if want := n == motionLeaveRun; key != want || (pic.Rect.Dx() == 1280) != want {
			t.Fatalf("small change %d: key %v size %v; want full size only at change %d", n, key, pic.Rect, motionLeaveRun)
		}
	}
}

func TestKeyframeRequestAtHalfSizeStaysHalf(t *testing.T) {
	r := newMotionRig(t, 1280, 720)
	r.e.SetViewerLimited(true)
	for range motionEnterRun + 3 {
		r.frame(8)
	}
	r.n++
	src := scrolled(r.doc, 1280, 720, (r.n*8)%400)
	src.Captured = frameTime(r.n)
	out, key, err := r.e.Encode(src, true)
	if err != nil || !key {
		t.Fatalf("forced keyframe: key %v err %v", key, err)
	}
	if w, h, hs, vs := vp8KeySize(t, out); w != 640 || h != 360 || hs != 3 || vs != 3 {
		t.Fatalf("forced keyframe %dx%d scale %d/%d, want 640x360 scale 3/3", w, h, hs, vs)
	}
}
