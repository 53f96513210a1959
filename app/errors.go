package app

import "errors"

// Sentinel errors of the package, matched with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every constructor validation error.
	ErrInvalidConfig = errors.New("app: invalid config")
	// ErrForbidden is the cause of a refused bridge connection (token, Origin or Host).
	ErrForbidden = errors.New("app: bridge access refused")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("app: closed")
	// ErrSendQueueFull means the outgoing signalling queue had no room; the message was dropped.
	ErrSendQueueFull = errors.New("app: signalling send queue full")
	// ErrNoSession means a request needs a session that does not exist.
	ErrNoSession = errors.New("app: no session")
	// ErrNoDaemon means the sharer daemon could not be started or did not answer.
	ErrNoDaemon = errors.New("app: the sharer daemon is not available")
)
