//go:build !linux && !windows

package tray

import (
	"context"
	"log/slog"

	"github.com/quickhelp/quickhelp/wire"
)

type menu struct{}

// Start returns an inactive Tray: on this system the tray library would
// need the main thread, which the daemon does not give up.
func Start(_ context.Context, cfg Config) (*Tray, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger.Info("the tray icon is not supported on this system", "component", "tray")
	return inactive(cfg), nil
}

// Update records the status.
func (t *Tray) Update(s wire.SharerStatus) {
	t.mu.Lock()
	t.view = ViewOf(t.lang, s)
	t.mu.Unlock()
}

// Close does nothing on this system.
func (t *Tray) Close() { t.closed.Store(true) }
