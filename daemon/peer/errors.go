package peer

import "errors"

// Sentinel errors of the package. Callers match them with errors.Is; the
// wrapped cause carries the detail for logs, never for people.
var (
	// ErrInvalidConfig is wrapped by every New validation error.
	ErrInvalidConfig = errors.New("peer: invalid config")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("peer: connection closed")
	// ErrNotStarted is returned by Restart before Start.
	ErrNotStarted = errors.New("peer: not started")
	// ErrBadSignal is wrapped when a signalling message cannot be applied.
	ErrBadSignal = errors.New("peer: bad signalling message")
	// ErrChannelNotOpen is returned when sending on a data channel that is not open yet.
	ErrChannelNotOpen = errors.New("peer: data channel not open")
	// ErrBackpressure is returned when a data channel's send buffer is full.
	ErrBackpressure = errors.New("peer: data channel send buffer full")
	// ErrFrameTooLarge is returned by WriteFrame for frames above wire.MaxFrameBytes.
	ErrFrameTooLarge = errors.New("peer: frame too large")
)
