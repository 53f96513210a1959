package telemetry

import "errors"

// ErrConfig means a configuration is invalid.
var ErrConfig = errors.New("telemetry: invalid config")
