package hotkey

import "errors"

var (
	// ErrTaken means another program already holds Ctrl+Alt+Shift+S. The
	// daemon logs it and runs on: the tray and the CLI still stop a session.
	ErrTaken = errors.New("hotkey: the shortcut is already taken by another program")
	// ErrUnsupported means this operating system has no implementation.
	ErrUnsupported = errors.New("hotkey: global shortcuts are not supported on this system")
	// ErrNoDisplay means no X display could be reached (a headless run).
	ErrNoDisplay = errors.New("hotkey: no display")
	// ErrNoCallback means Config.OnPress is nil: a shortcut that does
	// nothing would only hide the key from other programs.
	ErrNoCallback = errors.New("hotkey: Config.OnPress is required")
	// ErrNoKey means the keyboard layout has no key that types "s".
	ErrNoKey = errors.New("hotkey: no key types S in the current keyboard layout")
)
