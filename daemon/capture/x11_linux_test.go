//go:build linux

package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// pixel returns the 0xRRGGBB colour at (x, y) of a BGRA image.
func pixel(img *Image, x, y int) uint32 {
	o := y*img.Stride + x*4
	return uint32(img.Pix[o+2])<<16 | uint32(img.Pix[o+1])<<8 | uint32(img.Pix[o])
}

func TestX11CapturesPaintedPixels(t *testing.T) {
	srv := xserver(t)
	p := painter(t, srv)
	rects := []struct {
		x, y, w, h int
		rgb        uint32
	}{
		{0, 0, 1920, 1080, 0x000000},
		{100, 100, 200, 100, 0xff0000},
		{1500, 800, 300, 200, 0x00ff00},
		{960, 20, 40, 40, 0x123456},
	}
	for _, r := range rects {
		if err := p.Fill(r.x, r.y, r.w, r.h, r.rgb); err != nil {
			t.Fatal(err)
		}
	}
	s := newSource(t, srv, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	img, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if img.Width != 1920 || img.Height != 1080 || img.Stride != 1920*4 || len(img.Pix) < img.Stride*1080 {
		t.Fatalf("image %dx%d stride %d len %d, want 1920x1080 stride %d", img.Width, img.Height, img.Stride, len(img.Pix), 1920*4)
	}
	tests := []struct {
		name string
		x, y int
		want uint32
	}{
		{"background", 10, 10, 0x000000},
		{"red top-left corner", 100, 100, 0xff0000},
		{"red bottom-right corner", 299, 199, 0xff0000},
		{"just outside red", 300, 199, 0x000000},
		{"green", 1650, 900, 0x00ff00},
		{"odd colour", 970, 30, 0x123456},
		{"green bottom-right corner", 1799, 999, 0x00ff00},
		{"last pixel", 1919, 1079, 0x000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pixel(img, tt.x, tt.y); got != tt.want {
				t.Errorf("pixel(%d, %d) = %06x, want %06x", tt.x, tt.y, got, tt.want)
			}
		})
	}
}

func TestX11NextWaitsForDamage(t *testing.T) {
	srv := xserver(t)
	p := painter(t, srv)
	s := newSource(t, srv, Config{MaxFPS: 60})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Next(ctx); err != nil {
		t.Fatalf("first Next: %v", err)
	}

	// Nothing changes: Next must block until its context ends.
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := s.Next(short)
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on a still screen = %v, want context.DeadlineExceeded", err)
	}

	// A change wakes it, and the frame shows the change.
	if err := p.Fill(500, 500, 50, 50, 0x0000ff); err != nil {
		t.Fatal(err)
	}
	img, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next after a change: %v", err)
	}
	if got := pixel(img, 520, 520); got != 0x0000ff {
		t.Errorf("pixel(520, 520) after fill = %06x, want 0000ff", got)
	}

	// ForceNext returns a frame without any change.
	s.ForceNext()
	if _, err := s.Next(ctx); err != nil {
		t.Fatalf("Next after ForceNext: %v", err)
	}
	short, cancelShort = context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = s.Next(short)
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next after the forced frame = %v, want context.DeadlineExceeded", err)
	}
}

func TestX11ChangeDuringWaitIsNotLost(t *testing.T) {
	srv := xserver(t)
	p := painter(t, srv)
	s := newSource(t, srv, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Next(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		img, err := s.Next(ctx)
		if err == nil && pixel(img, 10, 1000) != 0xabcdef {
			err = errors.New("frame does not show the change")
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let Next block first; the test passes either way
	if err := p.Fill(0, 990, 30, 30, 0xabcdef); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Next = %v", err)
	}
}

func TestX11Monitors(t *testing.T) {
	srv := xserver(t)
	s := newSource(t, srv, Config{})
	mons := s.Monitors()
	if len(mons) != 1 {
		t.Fatalf("Monitors() = %+v, want one monitor", mons)
	}
	if m := mons[0]; m.Width != 1920 || m.Height != 1080 || m.X != 0 || m.Y != 0 || m.Index != 0 {
		t.Errorf("Monitors()[0] = %+v, want 1920x1080 at 0,0 index 0", m)
	}
	for _, i := range []int{-1, 1, 99} {
		if err := s.SetMonitor(i); !errors.Is(err, ErrBadMonitor) {
			t.Errorf("SetMonitor(%d) = %v, want ErrBadMonitor", i, err)
		}
	}
	if err := s.SetMonitor(0); err != nil {
		t.Errorf("SetMonitor(0) = %v", err)
	}
	if _, err := New(Config{Display: srv.Display, Monitor: 3}); !errors.Is(err, ErrBadMonitor) {
		t.Errorf("New(Monitor: 3) = %v, want ErrBadMonitor", err)
	}
}

func TestX11Cursor(t *testing.T) {
	srv := xserver(t)
	s := newSource(t, srv, Config{})
	tests := []struct {
		x, y         int
		wantX, wantY float64
	}{
		{480, 540, 0.25, 0.5},
		{0, 0, 0, 0},
		{1440, 270, 0.75, 0.25},
	}
	for _, tt := range tests {
		pos := moveMouse(t, srv, s, tt.x, tt.y)
		if !pos.Visible || pos.X != tt.wantX || pos.Y != tt.wantY {
			t.Errorf("after mousemove %d %d: Cursor() = (%v, %v, visible %v), want (%v, %v, visible)",
				tt.x, tt.y, pos.X, pos.Y, pos.Visible, tt.wantX, tt.wantY)
		}
	}
	// The shape came with the first call; unchanged, it is not repeated.
	if _, shape, err := s.Cursor(); err != nil || shape != nil {
		t.Errorf("Cursor() after the shape was sent = shape %v, err %v; want no shape", shape != nil, err)
	}
}

func TestX11CursorShapeOnFirstCall(t *testing.T) {
	srv := xserver(t)
	s := newSource(t, srv, Config{})
	_, shape, err := s.Cursor()
	if err != nil {
		t.Fatalf("Cursor: %v", err)
	}
	if shape == nil {
		t.Fatal("first Cursor() returned no shape")
	}
	b, err := json.Marshal(shape)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wire.DecodeCursor(b); err != nil {
		t.Errorf("shape does not pass wire.DecodeCursor: %v", err)
	}
	if _, err := png.Decode(bytes.NewReader(shape.PNG)); err != nil {
		t.Errorf("shape PNG: %v", err)
	}
}

func TestX11CapturesPutImage(t *testing.T) {
	srv := xserver(t)
	p := painter(t, srv)
	const w, h, x0, y0 = 300, 1000, 1600, 40 // taller than one PutImage band
	src := make([]byte, w*h*4)
	for i := 0; i < len(src); i += 4 {
		px := i / 4
		src[i], src[i+1], src[i+2] = byte(px), byte(px>>8), byte(px>>16)
	}
	if err := p.Put(x0, y0, w, h, src); err != nil {
		t.Fatalf("Put: %v", err)
	}
	s := newSource(t, srv, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	img, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < h; y++ {
		got := img.Pix[(y0+y)*img.Stride+x0*4:]
		want := src[y*w*4:]
		for x := 0; x < w; x++ {
			if got[x*4] != want[x*4] || got[x*4+1] != want[x*4+1] || got[x*4+2] != want[x*4+2] {
				t.Fatalf("pixel (%d, %d) = % x, want % x", x0+x, y0+y, got[x*4:x*4+3], want[x*4:x*4+3])
			}
		}
	}
}
