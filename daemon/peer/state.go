package peer

import "github.com/quickhelp/quickhelp/internal/rtc"

// State is the connection state reported through Config.OnState.
type State = rtc.State

// Connection states, in the order a healthy session passes them.
const (
	StateNew          = rtc.StateNew
	StateConnecting   = rtc.StateConnecting
	StateConnected    = rtc.StateConnected
	StateDisconnected = rtc.StateDisconnected // media stopped flowing or the other side left; an ICE restart may recover
	StateFailed       = rtc.StateFailed       // ICE gave up; only a restart or a new connection helps
	StateClosed       = rtc.StateClosed       // Close was called
)
