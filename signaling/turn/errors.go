package turn

import "errors"

// Sentinel errors of the package; callers match them with errors.Is.
var (
	// ErrConfig is wrapped by every Config validation error.
	ErrConfig = errors.New("turn: invalid config")
	// ErrBadUsername is wrapped by ParseUsername errors.
	ErrBadUsername = errors.New("turn: malformed username")
)

// errTCPRelay refuses TCP relay allocations (RFC 6062): WebRTC never asks
// for them and they would bypass the per-allocation socket wrapper.
var errTCPRelay = errors.New("turn: TCP relay allocations are not offered")
