package rtc

import "errors"

// ErrICEServerNoURLs is returned by CheckICEServers for a server entry
// without any URL; callers wrap it in their own invalid-config error.
var ErrICEServerNoURLs = errors.New("ICE server without URLs")

// ErrSASNotReady is returned by TransportSAS while the DTLS connection is
// not up: there is no security code yet.
var ErrSASNotReady = errors.New("no DTLS connection yet")

// ErrBadFingerprint is returned for a certificate fingerprint that is not
// 32 colon-separated hex bytes.
var ErrBadFingerprint = errors.New("bad certificate fingerprint")
