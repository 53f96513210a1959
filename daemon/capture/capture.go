// Package capture grabs the sharer's screen and pointer.
//
// On X11 (New on Linux) one xgb connection does everything: DAMAGE on the
// root window says when something changed, so no frame is produced while
// the screen is still; each grab goes into one MIT-SHM segment kept for
// the life of the Source (about 0.5 ms at 1080p, against ~20 ms for a new
// connection and segment per grab); XFixes reports the cursor position
// and image. Monitors come from RandR 1.5.
//
// On Windows (New) Desktop Duplication (DXGI) delivers only changed
// frames with their dirty and moved rectangles, and only those are read
// back; the pointer shape comes with its frames. Where duplication does
// not work (a remote session, a basic display driver, wine) or cannot be
// made for now (the secure desktop), GDI grabs take over (dup.go) and the
// shape comes from GetCursorInfo/GetIconInfo.
//
// NewPolling (the GDI fallback on Windows, anywhere else too) grabs with
// kbinani/screenshot every frame interval and returns a frame only when
// its pixels differ from the previous one; on X11 it reports no cursor.
//
// A Source is used by one consumer goroutine calling Next in a loop and
// encoding each Image before the next call; Monitors, SetMonitor,
// ForceNext and Cursor may be called from other goroutines. PollCursor
// turns Cursor into a stream of wire.Cursor messages. Pattern is an
// in-memory test double for packages that consume a Source.
//
// Known limits: damage anywhere on the X screen wakes Next, so a change on
// another monitor yields a frame identical to the previous one.
package capture

import (
	"context"
	"log/slog"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// DefaultMaxFPS caps the frame rate when Config.MaxFPS is 0.
const DefaultMaxFPS = 30

// Config selects what to capture.
type Config struct {
	// Display is the X display (":0"); "" means $DISPLAY. Ignored on Windows.
	Display string
	// Monitor is the index into Monitors() captured first.
	Monitor int
	// MaxFPS caps frames per second; 0 means DefaultMaxFPS.
	MaxFPS int
	// Logger is optional; nil discards.
	Logger *slog.Logger
}

func (c *Config) normalise() error {
	if c.MaxFPS < 0 || c.MaxFPS > 240 {
		return ErrBadConfig
	}
	if c.MaxFPS == 0 {
		c.MaxFPS = DefaultMaxFPS
	}
	if c.Monitor < 0 || c.Monitor >= wire.MaxMonitors {
		return ErrBadMonitor
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Image is one captured frame of the selected monitor.
type Image struct {
	Width, Height int
	// Stride is the number of bytes between rows of Pix.
	Stride int
	// Pix holds BGRA pixels (B first in memory; libyuv calls this "ARGB").
	// The alpha byte is undefined. Pix is only valid until the next call to
	// Next or Close: on X11 it aliases the shared-memory segment.
	Pix []byte
	// Captured is when the grab finished.
	Captured time.Time
}

// Source produces frames of one monitor.
type Source interface {
	// Monitors lists the displays, re-reading the current layout.
	Monitors() []wire.Monitor
	// SetMonitor switches capture to Monitors()[i]; the next Next returns
	// at once with the new size.
	SetMonitor(i int) error
	// Next blocks until the screen changed since the previous frame (the
	// first call returns at once), honouring MaxFPS. The Image is valid
	// until the next call to Next or Close.
	Next(ctx context.Context) (*Image, error)
	// ForceNext makes the next Next return at once even without a change,
	// e.g. when the encoder needs a keyframe.
	ForceNext()
	// Cursor reports the pointer position normalised to the selected
	// monitor, and the cursor shape when it changed since the last call
	// (shape is nil otherwise).
	Cursor() (pos wire.Cursor, shape *wire.Cursor, err error)
	// Close releases the X connection and shared memory.
	Close() error
}

// frameInterval is the minimum time between frames for a rate cap.
func frameInterval(fps int) time.Duration { return time.Second / time.Duration(fps) }

// sleepUntil waits until t or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
