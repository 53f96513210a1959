package overlay

import (
	"errors"
	"log/slog"

	"github.com/quickhelp/quickhelp/wire"
)

// New returns the on-screen overlay for display (empty means $DISPLAY),
// or a Nop after one log line when there is no usable X display, so a
// headless daemon still runs.
func New(display string, monitor func() wire.Monitor, logger *slog.Logger) Overlay {
	if logger == nil {
		logger = slog.Default()
	}
	o, err := NewX11(X11Config{Display: display, Monitor: monitor, Logger: logger})
	if err != nil {
		reason := "no X display"
		if errors.Is(err, ErrUnsupported) {
			reason = "X display cannot show an overlay"
		}
		logger.Info("annotations will not be shown on screen", "component", "overlay", "reason", reason, "err", err)
		return &Nop{}
	}
	return o
}
