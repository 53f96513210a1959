package viewer

import "errors"

// Sentinel errors of the package, matched with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every New validation error.
	ErrInvalidConfig = errors.New("viewer: invalid config")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("viewer: closed")
	// ErrBadSignal is wrapped when a signalling message cannot be applied.
	ErrBadSignal = errors.New("viewer: bad signalling message")
	// ErrChannelNotOpen is returned when the sharer's data channel is not open yet.
	ErrChannelNotOpen = errors.New("viewer: data channel not open")
	// ErrBackpressure is returned when a data channel's send buffer is full.
	ErrBackpressure = errors.New("viewer: data channel send buffer full")
	// ErrInvalidMessage is wrapped when an input event or annotation fails validation.
	ErrInvalidMessage = errors.New("viewer: invalid message")
)
