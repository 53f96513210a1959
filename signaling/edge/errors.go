package edge

import "errors"

// ErrConfig is returned by New for an invalid Config.
var ErrConfig = errors.New("edge: invalid config")
