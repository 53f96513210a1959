package tray

import "errors"

var (
	// ErrNoHost means the desktop shows no tray icons: no D-Bus session
	// bus, or no StatusNotifierWatcher on it (a bare X server, a desktop
	// without a tray). Start logs it once and returns an inactive Tray.
	ErrNoHost = errors.New("tray: no system tray host")
	// ErrAlreadyStarted is returned by a second Start in one process: the
	// system tray library keeps process-wide state and runs once.
	ErrAlreadyStarted = errors.New("tray: already started in this process")
)
