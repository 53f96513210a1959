// Package hotkey grabs the system-wide shortcut Ctrl+Alt+Shift+S, with
// which the sharer stops sharing at once from any window, whichever program
// has the keyboard focus.
package hotkey

import (
	"io"
	"log/slog"
	"sync"
)

// Shortcut is the combination Register grabs, as shown to users.
const Shortcut = "Ctrl+Alt+Shift+S"

// Config configures Register.
type Config struct {
	// Display is the X display (":N"); "" means $DISPLAY. Ignored on Windows.
	Display string
	// Logger is optional; nil discards.
	Logger *slog.Logger
	// OnPress is called on the hotkey's own goroutine, once per press of
	// the shortcut (a held key fires once). It must return quickly: hand
	// slow work to another goroutine.
	OnPress func()
}

// Hotkey is a grabbed shortcut; Close releases it.
type Hotkey struct {
	// stop releases the grab and makes the wait loop return; it runs once.
	stop      func()
	done      chan struct{} // closed when the wait loop's goroutine has returned
	closeOnce sync.Once
}

// Register grabs Ctrl+Alt+Shift+S and calls cfg.OnPress at every press
// until Close. It returns ErrTaken when another program holds the
// shortcut, ErrNoDisplay without a display, ErrUnsupported on other
// operating systems.
func Register(cfg Config) (*Hotkey, error) {
	if cfg.OnPress == nil {
		return nil, ErrNoCallback
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Logger = cfg.Logger.With("component", "hotkey")
	return register(cfg)
}

// Close releases the shortcut and waits for the hotkey's goroutine to
// return. It is safe to call more than once.
func (h *Hotkey) Close() {
	h.closeOnce.Do(h.stop)
	<-h.done
}
