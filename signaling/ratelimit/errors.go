package ratelimit

import "errors"

// ErrConfig means a configuration is invalid.
var ErrConfig = errors.New("ratelimit: invalid config")
