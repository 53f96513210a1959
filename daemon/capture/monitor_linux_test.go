//go:build linux

package capture

import (
	"context"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Xvfb's RandR reports one monitor whatever xrandr --setmonitor says, so
// this test gives the source a two-monitor layout directly and checks that
// grabs and cursor positions follow the selected monitor's rectangle.
func TestX11SelectedMonitorRectangle(t *testing.T) {
	srv := xserver(t)
	p := painter(t, srv)
	if err := p.Fill(0, 0, 960, 1080, 0x202020); err != nil {
		t.Fatal(err)
	}
	if err := p.Fill(960, 0, 960, 1080, 0xc0c0c0); err != nil {
		t.Fatal(err)
	}
	if err := p.Fill(960, 100, 10, 10, 0xff0000); err != nil { // right monitor's (0, 100)
		t.Fatal(err)
	}
	s := newSource(t, srv, Config{}).(*x11Source)
	s.mu.Lock()
	s.monitors = []wire.Monitor{
		{Index: 0, Name: "left", Width: 960, Height: 1080, Primary: true},
		{Index: 1, Name: "right", X: 960, Width: 960, Height: 1080},
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMonitor(1); err != nil {
		t.Fatalf("SetMonitor(1): %v", err)
	}
	img, err := s.Next(ctx) // returns at once: SetMonitor forces a frame
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 960 || img.Height != 1080 {
		t.Fatalf("image %dx%d, want 960x1080", img.Width, img.Height)
	}
	tests := []struct {
		x, y int
		want uint32
	}{{0, 100, 0xff0000}, {9, 109, 0xff0000}, {10, 100, 0xc0c0c0}, {959, 1079, 0xc0c0c0}}
	for _, tt := range tests {
		if got := pixel(img, tt.x, tt.y); got != tt.want {
			t.Errorf("right monitor pixel(%d, %d) = %06x, want %06x", tt.x, tt.y, got, tt.want)
		}
	}

	moves := []struct {
		x, y    int
		wantX   float64
		visible bool
	}{{1200, 540, 0.25, true}, {480, 540, 0, false}}
	for _, m := range moves {
		pos := moveMouse(t, srv, s, m.x, m.y)
		if pos.X != m.wantX || pos.Y != 0.5 || pos.Visible != m.visible {
			t.Errorf("cursor at (%d, %d) on the right monitor = (%v, %v, %v), want (%v, 0.5, %v)",
				m.x, m.y, pos.X, pos.Y, pos.Visible, m.wantX, m.visible)
		}
	}
}

// The cap is checked only from below (frames never come faster than
// MaxFPS), so a slow machine cannot fail it.
func TestX11FrameRateCap(t *testing.T) {
	srv := xserver(t)
	p := painter(t, srv)
	s := newSource(t, srv, Config{MaxFPS: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.Next(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const frames = 4
	for i := range frames {
		if err := p.Fill(i*10, 700, 10, 10, 0x00ffff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if elapsed, min := time.Since(start), frames*200*time.Millisecond*9/10; elapsed < min {
		t.Errorf("%d frames at MaxFPS 5 took %v, want at least %v", frames, elapsed, min)
	}
}
