//go:build linux

package capture

import (
	"context"
	"log/slog"
	"testing"
)

// BenchmarkX11Grab measures one 1080p grab through the persistent MIT-SHM
// segment, without the damage wait and frame-rate cap of Next.
func BenchmarkX11Grab(b *testing.B) {
	srv := xserver(b)
	s, err := newX11(Config{Display: srv.Display, MaxFPS: 30, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if s.shm == nil {
		b.Fatal("no MIT-SHM on Xvfb")
	}
	m := s.monitor()
	b.SetBytes(int64(m.Width * m.Height * 4))
	for b.Loop() {
		if err := s.grab(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollingGrab measures the kbinani/screenshot fallback, which
// opens a connection and a segment per grab.
func BenchmarkPollingGrab(b *testing.B) {
	srv := xserver(b)
	b.Setenv("DISPLAY", srv.Display)
	s, err := NewPolling(Config{MaxFPS: 240})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		s.ForceNext()
		if _, err := s.Next(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
