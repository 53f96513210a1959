package encode

import (
	"errors"
	"image"
	"testing"

	"github.com/quickhelp/quickhelp/daemon/capture"
)

func newEncoder(t testing.TB, cfg Config) *VP8 {
	t.Helper()
	e, err := NewVP8(cfg)
	if err != nil {
		t.Fatalf("NewVP8(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func newDecoder(t testing.TB) *VP8Decoder {
	t.Helper()
	d, err := NewVP8Decoder()
	if err != nil {
		t.Fatalf("NewVP8Decoder: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestRoundTripReproducesPattern(t *testing.T) {
	sizes := []struct{ w, h int }{{640, 360}, {1920, 1080}, {333, 201}}
	for _, sz := range sizes {
		t.Run(image.Pt(sz.w, sz.h).String(), func(t *testing.T) {
			e := newEncoder(t, Config{Width: sz.w, Height: sz.h, BitrateKbps: 4000})
			d := newDecoder(t)
			for n := range 8 {
				src := patternFrame(sz.w, sz.h, n)
				src.Captured = frameTime(n)
				frame, key, err := e.Encode(src, false)
				if err != nil {
					t.Fatalf("Encode frame %d: %v", n, err)
				}
				if n == 0 && !key {
					t.Errorf("frame 0 keyframe = false, want true")
				}
				if frame == nil {
					t.Fatalf("frame %d: encoder dropped it", n)
				}
				// Version 2 (RFC 6386 §9.1): no loop filter (see vp8.c).
				if v := frame[0] >> 1 & 7; v != 2 {
					t.Errorf("frame %d: VP8 version %d, want 2", n, v)
				}
				got, err := d.Decode(frame)
				if err != nil || got == nil {
					t.Fatalf("Decode frame %d = %v, %v", n, got, err)
				}
				if psnr := lumaPSNR(t, src, got); psnr < 30 {
					t.Errorf("frame %d: luma PSNR = %.1f dB, want >= 30", n, psnr)
				}
			}
		})
	}
}

func TestDecodedColoursMatch(t *testing.T) {
	e := newEncoder(t, Config{Width: 320, Height: 240, BitrateKbps: 3000})
	d := newDecoder(t)
	src := patternFrame(320, 240, 0)
	frame, _, err := e.Encode(src, true)
	if err != nil {
		t.Fatal(err)
	}
	ycc, err := d.Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	rgba, err := ToRGBA(ycc)
	if err != nil {
		t.Fatal(err)
	}
	// Centres of the bars (40 px wide at 320), away from the moving square.
	tests := []struct {
		name    string
		x       int
		r, g, b int
	}{
		{"white", 20, 255, 255, 255},
		{"yellow", 60, 255, 255, 0},
		{"cyan", 100, 0, 255, 255},
		{"green", 140, 0, 255, 0},
		{"magenta", 180, 255, 0, 255},
		{"red", 220, 255, 0, 0},
		{"blue", 260, 0, 0, 255},
		{"black", 300, 0, 0, 0},
	}
	for _, tt := range tests {
		c := rgba.RGBAAt(tt.x, 20)
		if abs(int(c.R)-tt.r) > 12 || abs(int(c.G)-tt.g) > 12 || abs(int(c.B)-tt.b) > 12 {
			t.Errorf("%s bar at (%d, 20) = %v, want about (%d, %d, %d)", tt.name, tt.x, c, tt.r, tt.g, tt.b)
		}
	}
}

func abs(v int) int { return max(v, -v) }

func TestForcedKeyframes(t *testing.T) {
	e := newEncoder(t, Config{Width: 640, Height: 360})
	d := newDecoder(t)
	for n := range 12 {
		src := patternFrame(640, 360, n)
		src.Captured = frameTime(n)
		force := n == 5 || n == 9
		frame, key, err := e.Encode(src, force)
		if err != nil {
			t.Fatalf("Encode %d: %v", n, err)
		}
		wantKey := n == 0 || force
		if key != wantKey {
			t.Errorf("frame %d (force %v): keyframe = %v, want %v", n, force, key, wantKey)
		}
		if parsedKey := frame[0]&1 == 0; parsedKey != key {
			t.Errorf("frame %d: bitstream keyframe bit = %v, reported %v", n, parsedKey, key)
		}
		if key {
			// A keyframe must decode on a fresh decoder: that is what a
			// new viewer gets.
			if img, err := newDecoder(t).Decode(frame); err != nil || img == nil {
				t.Errorf("frame %d on a fresh decoder = %v, %v", n, img, err)
			}
		}
		if _, err := d.Decode(frame); err != nil {
			t.Errorf("Decode %d: %v", n, err)
		}
	}
}

// TestStaticScreenEncodesSmall: a still screen is refined until sharp and
// then costs nothing: the same picture again produces no frame.
func TestStaticScreenEncodesSmall(t *testing.T) {
	const w, h = 960, 544
	e := newEncoder(t, Config{Width: w, Height: h})
	doc := capture.TextPage(w, h, 7)
	sharp := -1
	for n := range 240 {
		img := scrolled(doc, w, h, 0)
		img.Captured = frameTime(n)
		frame, _, err := e.Encode(img, false)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case sharp < 0 && !e.Refining():
			sharp = n
		case sharp >= 0 && frame != nil:
			t.Fatalf("frame %d: %d bytes for a still, sharp screen (sharp since frame %d), want none", n, len(frame), sharp)
		}
	}
	if sharp < 0 {
		t.Fatal("a still screen was still being refined after 240 frames")
	}
}

func TestSetBitrateTakesEffect(t *testing.T) {
	const w, h = 640, 360
	e := newEncoder(t, Config{Width: w, Height: h, BitrateKbps: 4000})
	doc := capture.TextPage(w, h+1000, 3)
	mean := func(from int) float64 {
		total, counted := 0, 0
		for n := from; n < from+60; n++ {
			img := scrolled(doc, w, h, (n%200)*4)
			img.Captured = frameTime(n)
			frame, _, err := e.Encode(img, false)
			if err != nil {
				t.Fatal(err)
			}
			if n >= from+20 { // let rate control settle
				total += len(frame)
				counted++
			}
		}
		return float64(total) / float64(counted)
	}
	high := mean(0)
	if err := e.SetBitrate(300); err != nil {
		t.Fatalf("SetBitrate(300): %v", err)
	}
	if got := e.Bitrate(); got != 300 {
		t.Errorf("Bitrate() = %d, want 300", got)
	}
	low := mean(60)
	if low*2 > high {
		t.Errorf("mean frame at 300 kbps = %.0f bytes, at 4000 kbps = %.0f; want at most half", low, high)
	}
	if err := e.SetBitrate(1); !errors.Is(err, ErrBadConfig) {
		t.Errorf("SetBitrate(1) = %v, want ErrBadConfig", err)
	}
}

func TestBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero size", Config{}},
		{"width 1", Config{Width: 1, Height: 100}},
		{"negative", Config{Width: -640, Height: 360}},
		{"too wide", Config{Width: MaxDimension + 1, Height: 360}},
		{"bitrate", Config{Width: 640, Height: 360, BitrateKbps: 10}},
		{"fps", Config{Width: 640, Height: 360, FPS: 1000}},
		{"cpu-used", Config{Width: 640, Height: 360, CPUUsed: 17}},
		{"threads", Config{Width: 640, Height: 360, Threads: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if e, err := NewVP8(tt.cfg); !errors.Is(err, ErrBadConfig) {
				if e != nil {
					e.Close()
				}
				t.Errorf("NewVP8(%+v) = %v, want ErrBadConfig", tt.cfg, err)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	e := newEncoder(t, Config{Width: 64, Height: 48})
	good := patternFrame(64, 48, 0)
	tests := []struct {
		name   string
		pix    []byte
		stride int
	}{
		{"nil", nil, 256},
		{"short", good.Pix[:len(good.Pix)-1], 256},
		{"stride too small", good.Pix, 255},
		{"stride too large for the buffer", good.Pix, 512},
	}
	for _, tt := range tests {
		if _, _, err := e.EncodeBGRA(tt.pix, tt.stride, frameTime(0), false); !errors.Is(err, ErrBadInput) {
			t.Errorf("EncodeBGRA(%s) = %v, want ErrBadInput", tt.name, err)
		}
	}
	if _, _, err := e.Encode(nil, false); !errors.Is(err, ErrBadInput) {
		t.Errorf("Encode(nil) = %v, want ErrBadInput", err)
	}
	bad := &capture.Image{Width: 64, Height: 48, Stride: 256, Pix: make([]byte, 10)}
	if _, _, err := e.Encode(bad, false); !errors.Is(err, ErrBadInput) {
		t.Errorf("Encode(short image) = %v, want ErrBadInput", err)
	}
	huge := &capture.Image{Width: MaxDimension + 2, Height: 2, Stride: 4, Pix: make([]byte, 8)}
	if _, _, err := e.Encode(huge, false); !errors.Is(err, ErrBadConfig) {
		t.Errorf("Encode(oversized image) = %v, want ErrBadConfig", err)
	}
	// The encoder still works after rejected input.
	if frame, _, err := e.Encode(good, false); err != nil || frame == nil {
		t.Errorf("Encode(good) after bad input = %d bytes, %v", len(frame), err)
	}
}

func TestEncodeResizesOnNewSize(t *testing.T) {
	e := newEncoder(t, Config{Width: 320, Height: 240})
	d := newDecoder(t)
	for i, sz := range []struct{ w, h int }{{320, 240}, {320, 240}, {800, 600}, {800, 600}} {
		src := patternFrame(sz.w, sz.h, i)
		src.Captured = frameTime(i)
		frame, key, err := e.Encode(src, false)
		if err != nil {
			t.Fatalf("Encode %dx%d: %v", sz.w, sz.h, err)
		}
		if wantKey := i == 0 || i == 2; key != wantKey {
			t.Errorf("frame %d: keyframe = %v, want %v", i, key, wantKey)
		}
		got, err := d.Decode(frame)
		if err != nil {
			t.Fatalf("Decode %d: %v", i, err)
		}
		if got.Rect.Dx() != sz.w || got.Rect.Dy() != sz.h {
			t.Errorf("frame %d decoded as %v, want %dx%d", i, got.Rect, sz.w, sz.h)
		}
	}
	if w, h := e.Size(); w != 800 || h != 600 {
		t.Errorf("Size() = %dx%d, want 800x600", w, h)
	}
}

func TestClosed(t *testing.T) {
	e, err := NewVP8(Config{Width: 64, Height: 64})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e.Close()
	if _, _, err := e.Encode(patternFrame(64, 64, 0), false); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close = %v, want ErrClosed", err)
	}
	if err := e.SetBitrate(500); !errors.Is(err, ErrClosed) {
		t.Errorf("SetBitrate after Close = %v, want ErrClosed", err)
	}
	d, err := NewVP8Decoder()
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := d.Decode([]byte{1, 2, 3}); !errors.Is(err, ErrClosed) {
		t.Errorf("Decode after Close = %v, want ErrClosed", err)
	}
}

// TestOnlyChangedBlocksAreCoded: on a still page of text, a 160 px square
// changing colour is coded alone (the rest of the screen is skipped), and
// the decoded picture still matches the source everywhere.
func TestOnlyChangedBlocksAreCoded(t *testing.T) {
	const w, h = 1920, 1080
	e := newEncoder(t, Config{Width: w, Height: h, BitrateKbps: 2500})
	d := newDecoder(t)
	doc := capture.TextPage(w, h, 3)
	var last *image.YCbCr // the helper's picture
	encode := func(n int, pix []byte) []byte {
		frame, _, err := e.EncodeBGRA(pix, w*4, frameTime(n), false)
		if err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
		if frame != nil {
			if last, err = d.Decode(frame); err != nil {
				t.Fatalf("frame %d: decode: %v", n, err)
			}
		}
		return frame
	}
	n := 0
	// The first picture, refined until sharp: the keyframe of a screen of
	// small text at 2.5 Mbit/s is blurry, and the rate controller pays
	// for its size over the next seconds.
	for ; n == 0 || e.Refining(); n++ {
		if n > 200 {
			t.Fatal("the first picture was still being refined after 200 frames")
		}
		encode(n, doc)
	}
	if psnr := lumaPSNR(t, &capture.Image{Width: w, Height: h, Stride: w * 4, Pix: doc}, last); psnr < 35 {
		t.Errorf("first picture after %d frames: luma PSNR %.1f dB, want >= 35", n, psnr)
	}
	t.Logf("first picture sharp after %d frames", n)
	if frame := encode(n, doc); frame != nil {
		t.Errorf("an unchanged, sharp picture was coded again: %d bytes", len(frame))
	}
	n++
	for i, rgb := range []uint32{0xff00ff, 0x00ffff, 0xffff00} {
		pix := append([]byte(nil), doc...)
		for y := 20; y < 180; y++ {
			for x := 1740; x < 1900; x++ {
				o := (y*w + x) * 4
				pix[o], pix[o+1], pix[o+2] = byte(rgb), byte(rgb>>8), byte(rgb>>16)
			}
		}
		frame := encode(n, pix)
		n++
		if len(frame) == 0 || len(frame) > 8192 {
			t.Errorf("change %d: %d bytes, want a frame of at most 8 KB (the whole screen is over 100 KB)", i, len(frame))
		}
		for e.Refining() {
			encode(n, pix)
			n++
		}
		img := &capture.Image{Width: w, Height: h, Stride: w * 4, Pix: pix}
		if psnr := lumaPSNR(t, img, last); psnr < 35 {
			t.Errorf("change %d: decoded luma PSNR %.1f dB, want >= 35", i, psnr)
		}
	}
}
