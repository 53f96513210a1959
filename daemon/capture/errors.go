package capture

import "errors"

var (
	// ErrBadConfig reports an invalid Config.
	ErrBadConfig = errors.New("capture: invalid config")
	// ErrBadMonitor reports a monitor index outside Monitors().
	ErrBadMonitor = errors.New("capture: no such monitor")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("capture: source closed")
	// ErrNoDisplay reports that the display server could not be reached.
	ErrNoDisplay = errors.New("capture: cannot connect to display")
	// ErrUnsupported reports a display or pixel format this package cannot read.
	ErrUnsupported = errors.New("capture: unsupported display")
	// ErrGrab reports a failed screen grab.
	ErrGrab = errors.New("capture: grab failed")
)

func isUnsupported(err error) bool { return errors.Is(err, ErrUnsupported) }
