// Package input turns the helper's data-channel input events into mouse and
// keyboard input on the sharer's machine, only while the consent gate
// allows it, and makes sure nothing stays held when control ends.
package input

import "github.com/quickhelp/quickhelp/daemon/consent"

// KeyCode is a native key identifier of the sharer's OS: an X keycode
// (Linux evdev code + 8) on X11, or a set-1 scancode on Windows with 0xE000
// added for extended keys (ArrowLeft is 0xE04B).
type KeyCode uint32

// Buttons use X11 numbering on every OS, so the Handler is OS-neutral.
const (
	ButtonLeft    = 1
	ButtonMiddle  = 2
	ButtonRight   = 3
	ButtonBack    = 8
	ButtonForward = 9
)

// Injector produces input events at the operating-system boundary.
// Coordinates are in screen pixels of the whole desktop. Implementations
// must be safe for use by one goroutine at a time; the Handler serialises
// its calls.
type Injector interface {
	// MoveAbs moves the pointer to (x, y).
	MoveAbs(x, y int) error
	// Button presses or releases button b (ButtonLeft ... ButtonForward).
	Button(b int, down bool) error
	// Wheel scrolls dx notches right (negative: left) and dy notches down
	// (negative: up).
	Wheel(dx, dy int) error
	// Key presses or releases the physical key code; the sharer's layout
	// decides which character it types.
	Key(code KeyCode, down bool) error
	// Text types characters that have no physical key (paste, IME).
	Text(s string) error
	// Close releases OS resources.
	Close() error
}

// Gate decides whether input may be injected now; *consent.Gate
// implements it.
type Gate interface {
	MayInject() bool
}

// Notifier is implemented by *consent.Gate. When the Config's Gate also
// implements it, the Handler subscribes and releases every held key and
// button on each change that closes the gate (revoke, pause, end,
// reconnect).
type Notifier interface {
	Subscribe(fn func(consent.Change)) (cancel func())
}

var _ interface {
	Gate
	Notifier
} = (*consent.Gate)(nil)
