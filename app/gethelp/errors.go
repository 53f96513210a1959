package gethelp

import "errors"

// Sentinel errors of the package, matched with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every constructor validation error.
	ErrInvalidConfig = errors.New("gethelp: invalid config")
	// ErrNoDaemon means the sharer daemon could not be started or did not answer.
	ErrNoDaemon = errors.New("gethelp: the sharer daemon is not available")
)
