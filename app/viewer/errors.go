package viewer

import "github.com/quickhelp/quickhelp/internal/rtc"

// The viewer refuses with the errors both peers share (internal/rtc),
// matched with errors.Is.
var (
	ErrInvalidConfig  = rtc.ErrInvalidConfig
	ErrClosed         = rtc.ErrClosed
	ErrBadSignal      = rtc.ErrBadSignal
	ErrChannelNotOpen = rtc.ErrChannelNotOpen
	ErrBackpressure   = rtc.ErrBackpressure
	ErrInvalidMessage = rtc.ErrInvalidMessage
)
