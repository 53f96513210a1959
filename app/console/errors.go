package console

import "errors"

// Sentinel errors of the package, matched with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every constructor validation error.
	ErrInvalidConfig = errors.New("console: invalid config")
	// ErrSendQueueFull means the outgoing signalling queue had no room; the message was dropped.
	ErrSendQueueFull = errors.New("console: signalling send queue full")
	// ErrNoSession means a request needs a session that does not exist.
	ErrNoSession = errors.New("console: no session")
)
