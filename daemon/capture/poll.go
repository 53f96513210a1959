package capture

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kbinani/screenshot"

	"github.com/quickhelp/quickhelp/wire"
)

// pollSource is the portable Source: it grabs with kbinani/screenshot
// (GDI on Windows, a new X connection per grab on X11, so ~20 ms at 1080p)
// every frame interval and returns a frame only when the pixels differ
// from the previous grab. Without a change notification from the OS,
// polling is the price of "no frame when nothing changed".
type pollSource struct {
	interval time.Duration
	force    atomic.Bool
	closed   atomic.Bool

	// nextMu serialises Next; it guards the fields below it.
	nextMu   sync.Mutex
	prev     []byte // RGBA of the last returned frame
	img      Image
	lastGrab time.Time

	// mu guards monitors and current.
	mu       sync.Mutex
	monitors []wire.Monitor
	current  int
}

// NewPolling returns the portable polling Source. On X11 it uses $DISPLAY
// (Config.Display must be empty or equal to it) and reports no cursor.
func NewPolling(cfg Config) (Source, error) {
	if err := cfg.normalise(); err != nil {
		return nil, err
	}
	quietX11() // kbinani connects with xgb on X11
	s := &pollSource{interval: frameInterval(cfg.MaxFPS)}
	s.monitors = pollMonitors()
	if len(s.monitors) == 0 {
		return nil, ErrNoDisplay
	}
	if cfg.Monitor >= len(s.monitors) {
		return nil, ErrBadMonitor
	}
	s.current = cfg.Monitor
	s.force.Store(true)
	return s, nil
}

func pollMonitors() []wire.Monitor {
	n := min(screenshot.NumActiveDisplays(), wire.MaxMonitors)
	out := make([]wire.Monitor, 0, n)
	for i := range n {
		b := screenshot.GetDisplayBounds(i)
		out = append(out, wire.Monitor{Index: i, X: b.Min.X, Y: b.Min.Y, Width: b.Dx(), Height: b.Dy(), Primary: i == 0})
	}
	return out
}

func (s *pollSource) Monitors() []wire.Monitor {
	mons := pollMonitors()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(mons) > 0 {
		s.monitors = mons
	}
	if s.current >= len(s.monitors) {
		s.current = 0
	}
	return append([]wire.Monitor(nil), s.monitors...)
}

func (s *pollSource) SetMonitor(i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.monitors) {
		return fmt.Errorf("%w: %d", ErrBadMonitor, i)
	}
	s.current = i
	s.force.Store(true)
	return nil
}

func (s *pollSource) ForceNext() { s.force.Store(true) }

func (s *pollSource) Next(ctx context.Context) (*Image, error) {
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	for {
		if s.closed.Load() {
			return nil, ErrClosed
		}
		if err := sleepUntil(ctx, s.lastGrab.Add(s.interval)); err != nil {
			return nil, err
		}
		s.mu.Lock()
		m := s.monitors[s.current]
		s.mu.Unlock()
		rgba, err := screenshot.CaptureRect(image.Rect(m.X, m.Y, m.X+m.Width, m.Y+m.Height))
		s.lastGrab = time.Now()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrGrab, err)
		}
		forced := s.force.Swap(false)
		if !forced && bytes.Equal(rgba.Pix, s.prev) {
			continue
		}
		s.prev = rgba.Pix
		s.img = Image{Width: m.Width, Height: m.Height, Stride: m.Width * 4, Pix: rgbaToBGRA(s.img.Pix, rgba), Captured: s.lastGrab}
		return &s.img, nil
	}
}

// rgbaToBGRA converts src into dst (reused when large enough).
func rgbaToBGRA(dst []byte, src *image.RGBA) []byte {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if cap(dst) < w*h*4 {
		dst = make([]byte, w*h*4)
	}
	dst = dst[:w*h*4]
	for y := range h {
		in := src.Pix[y*src.Stride : y*src.Stride+w*4]
		out := dst[y*w*4 : (y+1)*w*4]
		for i := 0; i < len(in); i += 4 {
			out[i], out[i+1], out[i+2], out[i+3] = in[i+2], in[i+1], in[i], in[i+3]
		}
	}
	return dst
}

// Cursor is not available from the polling source.
func (s *pollSource) Cursor() (wire.Cursor, *wire.Cursor, error) {
	return wire.Cursor{}, nil, fmt.Errorf("%w: no cursor from the polling source", ErrUnsupported)
}

func (s *pollSource) Close() error {
	s.closed.Store(true)
	return nil
}
