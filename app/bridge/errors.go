package bridge

import "errors"

// Sentinel errors of the package, matched with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every constructor validation error.
	ErrInvalidConfig = errors.New("bridge: invalid config")
	// ErrForbidden is the cause of a refused bridge connection (token, Origin or Host).
	ErrForbidden = errors.New("bridge: access refused")
)
