package store

import "errors"

var (
	// ErrNotFound means no matching row (or a code that is unknown, used or
	// expired: callers cannot tell these apart, on purpose).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique value (e-mail, organisation name, code
	// hash) is already taken.
	ErrConflict = errors.New("store: conflict")
	// ErrFull means a bounded table (pending sign-ins, one-time codes) holds
	// as many live rows as it may.
	ErrFull = errors.New("store: full")
)

// ErrConfig means a database URL or option the store cannot use.
var ErrConfig = errors.New("store: bad configuration")
