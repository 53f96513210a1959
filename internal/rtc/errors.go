package rtc

import "errors"

// Sentinel errors of both peers (daemon/peer and app/viewer). Callers match
// them with errors.Is; the wrapped cause carries the detail for logs, never
// for people.
var (
	// ErrInvalidConfig is wrapped by every validation error of a peer's New.
	ErrInvalidConfig = errors.New("rtc: invalid config")
	// ErrClosed is returned by every method of a peer after Close.
	ErrClosed = errors.New("rtc: connection closed")
	// ErrNotStarted is returned by the offerer's Restart before Start.
	ErrNotStarted = errors.New("rtc: not started")
	// ErrBadSignal is wrapped when a signalling message cannot be applied.
	ErrBadSignal = errors.New("rtc: bad signalling message")
	// ErrNotConnected is returned by Fingerprints and TransportSAS before DTLS is up.
	ErrNotConnected = errors.New("rtc: not connected")
	// ErrChannelNotOpen is returned when sending on a data channel that is not open yet.
	ErrChannelNotOpen = errors.New("rtc: data channel not open")
	// ErrBackpressure is returned when a data channel's send buffer is full.
	ErrBackpressure = errors.New("rtc: data channel send buffer full")
	// ErrFrameTooLarge is returned by the offerer's WriteFrame for frames above wire.MaxFrameBytes.
	ErrFrameTooLarge = errors.New("rtc: frame too large")
	// ErrInvalidMessage is wrapped when an input event or annotation fails validation.
	ErrInvalidMessage = errors.New("rtc: invalid message")
	// ErrICEServerNoURLs is returned by CheckICEServers for a server entry
	// without any URL; callers wrap it in ErrInvalidConfig.
	ErrICEServerNoURLs = errors.New("ICE server without URLs")
	// ErrBadFingerprint is returned for a certificate fingerprint that is
	// not 32 colon-separated hex bytes.
	ErrBadFingerprint = errors.New("rtc: bad certificate fingerprint")
	// ErrBadReveal is wrapped when the offerer's revealed nonce is malformed
	// or does not match the commitment of its offer.
	ErrBadReveal = errors.New("rtc: bad security code nonce")
)
