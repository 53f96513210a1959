package overlay

import (
	"log/slog"

	"github.com/quickhelp/quickhelp/wire"
)

// New returns the on-screen overlay for the interactive desktop, or a Nop
// after one log line when no window can be created (a service session
// without a desktop). display is ignored on Windows.
func New(display string, monitor func() wire.Monitor, logger *slog.Logger) Overlay {
	if logger == nil {
		logger = slog.Default()
	}
	o, err := NewWindows(WindowsConfig{Monitor: monitor, Logger: logger})
	if err != nil {
		logger.Info("annotations will not be shown on screen", "component", "overlay", "reason", "no desktop window", "err", err)
		return &Nop{}
	}
	return o
}
