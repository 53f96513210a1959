package server

import "errors"

var (
	// ErrConfig means a Config is invalid.
	ErrConfig = errors.New("server: invalid config")
	// ErrSessionEnded means the session is over.
	ErrSessionEnded = errors.New("server: session ended")
	// ErrClosed means the server is shutting down.
	ErrClosed = errors.New("server: closed")
)
