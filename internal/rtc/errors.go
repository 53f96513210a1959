package rtc

import "errors"

// ErrICEServerNoURLs is returned by CheckICEServers for a server entry
// without any URL; callers wrap it in their own invalid-config error.
var ErrICEServerNoURLs = errors.New("ICE server without URLs")
