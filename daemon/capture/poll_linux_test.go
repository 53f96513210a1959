//go:build linux

package capture

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The polling source runs on X11 too, so its change detection is tested
// here on the same Xvfb.
func TestPollingSourceOnXvfb(t *testing.T) {
	srv := xserver(t)
	t.Setenv("DISPLAY", srv.Display)
	p := painter(t, srv)
	if err := p.Fill(0, 0, 1920, 1080, 0x000000); err != nil {
		t.Fatal(err)
	}
	s, err := NewPolling(Config{MaxFPS: 20})
	if err != nil {
		t.Fatalf("NewPolling: %v", err)
	}
	defer s.Close()
	if mons := s.Monitors(); len(mons) != 1 || mons[0].Width != 1920 || mons[0].Height != 1080 {
		t.Fatalf("Monitors() = %+v, want one 1920x1080", mons)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.Next(ctx); err != nil {
		t.Fatalf("first Next: %v", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = s.Next(short)
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on a still screen = %v, want context.DeadlineExceeded", err)
	}
	if err := p.Fill(700, 300, 20, 20, 0x00ff00); err != nil {
		t.Fatal(err)
	}
	img, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next after change: %v", err)
	}
	if got := pixel(img, 710, 310); got != 0x00ff00 {
		t.Errorf("pixel(710, 310) = %06x, want 00ff00", got)
	}
	if _, _, err := s.Cursor(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Cursor() = %v, want ErrUnsupported", err)
	}
	_ = s.Close()
	if _, err := s.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
}

func TestX11CloseUnblocksNext(t *testing.T) {
	srv := xserver(t)
	s, err := New(Config{Display: srv.Display})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Next(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Next(ctx); done <- err }()
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("blocked Next after Close = %v, want ErrClosed", err)
	}
	if _, _, err := s.Cursor(); !errors.Is(err, ErrClosed) {
		t.Errorf("Cursor after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestNewBadDisplay(t *testing.T) {
	if _, err := New(Config{Display: ":94.7"}); !errors.Is(err, ErrNoDisplay) {
		t.Errorf("New(no such display) = %v, want ErrNoDisplay", err)
	}
}
