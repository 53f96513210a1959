package turn

import "errors"

// Sentinel errors of the package; callers match them with errors.Is.
var (
	// ErrConfig is wrapped by every Config validation error.
	ErrConfig = errors.New("turn: invalid config")
	// ErrBadUsername is wrapped by ParseUsername errors.
	ErrBadUsername = errors.New("turn: malformed username")
)
