package input

import "errors"

// Sentinel errors of the input package.
var (
	// ErrConfig means a Config or X11Config is missing a required field.
	ErrConfig = errors.New("input: invalid config")
	// ErrClosed means the Injector or Handler was closed.
	ErrClosed = errors.New("input: closed")
	// ErrUnsupported means the injector cannot produce the requested input
	// (a key code or button outside what the OS accepts).
	ErrUnsupported = errors.New("input: unsupported input")
	// ErrInject wraps a failure of the operating system to take an event.
	ErrInject = errors.New("input: injection failed")
)
