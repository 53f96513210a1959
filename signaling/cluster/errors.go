package cluster

import "errors"

// ErrConfig means a configuration the relay cannot use.
var ErrConfig = errors.New("cluster: bad configuration")
