//go:build !linux && !windows

package overlay

import (
	"log/slog"

	"github.com/quickhelp/quickhelp/wire"
)

// New returns a Nop on systems without an overlay implementation.
func New(display string, monitor func() wire.Monitor, logger *slog.Logger) Overlay {
	if logger == nil {
		logger = slog.Default()
	}
	logger.Info("annotations will not be shown on screen", "component", "overlay", "reason", "unsupported system")
	return &Nop{}
}
