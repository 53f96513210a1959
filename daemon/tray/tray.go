// Package tray shows the sharer's system tray icon while the daemon is in
// a session: its tooltip says what the helper can do right now, and its
// menu lets the local user stop sharing, pause or resume, and revoke the
// helper's control at any moment, and answers "Keep sharing?".
//
// How the daemon calls it: Start once per process (the tray library keeps
// process-wide state), early, from any goroutine; Update with every
// status change; Close at exit. No main-thread constraint applies on
// Linux (D-Bus StatusNotifierItem) or Windows (the tray runs its own
// window and message loop on a goroutine locked to one OS thread); macOS,
// which would need the main thread, gets an inactive tray. The icon
// appears with the first status of a session and then stays until Close,
// reading "not sharing" between sessions.
package tray

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/quickhelp/quickhelp/internal/i18n"
)

// Actions are the daemon's handlers for the menu. Each is optional (nil
// hides nothing but does nothing) and is called on the tray's own
// goroutine: it must return quickly, handing slow work to the daemon.
type Actions struct {
	Stop          func() // end the session now
	RevokeControl func() // take mouse and keyboard back, keep sharing
	Pause         func() // stop sending video and input until Resume
	Resume        func()
	KeepSharing   func() // answer "yes" to "Keep sharing?"
}

// Config configures Start.
type Config struct {
	Actions Actions
	// Lang is the language of the menu and tooltip; "" means English.
	Lang i18n.Lang
	// Logger is optional; nil means slog.Default().
	Logger *slog.Logger
}

// Tray is the tray icon. An inactive Tray (no tray host) accepts every
// call and does nothing.
type Tray struct {
	logger  *slog.Logger
	actions Actions
	lang    i18n.Lang
	active  bool

	done   chan struct{}
	closed atomic.Bool
	wg     sync.WaitGroup

	// mu guards the fields below.
	mu      sync.Mutex
	view    View
	running bool // the tray library runs (first in-session status seen)
	menu    *menu
}

// Active reports whether the icon can be shown (a tray host was found).
func (t *Tray) Active() bool { return t.active }

// View returns what the tray currently shows (or would show, when
// inactive).
func (t *Tray) View() View {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.view
}

func inactive(cfg Config) *Tray {
	return &Tray{logger: cfg.Logger, actions: cfg.Actions, lang: cfg.Lang, done: make(chan struct{})}
}

func call(f func()) {
	if f != nil {
		f()
	}
}
