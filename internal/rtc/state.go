package rtc

import "github.com/pion/webrtc/v4"

// State is the connection state reported to a peer's OnState callback.
type State int

// Connection states, in the order a healthy session passes them.
const (
	StateNew State = iota
	StateConnecting
	StateConnected
	StateDisconnected // media stopped flowing or the other side left; an ICE restart may recover
	StateFailed       // ICE gave up; only a restart or a new connection helps
	StateClosed       // Close was called
)

func (s State) String() string {
	switch s {
	case StateNew:
		return "new"
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	case StateFailed:
		return "failed"
	case StateClosed:
		return "closed"
	}
	return "unknown"
}

// StateOf maps pion's peer connection state to State; states without a
// counterpart (pion's "new" and "unknown") map to StateNew.
func StateOf(s webrtc.PeerConnectionState) State {
	switch s {
	case webrtc.PeerConnectionStateConnecting:
		return StateConnecting
	case webrtc.PeerConnectionStateConnected:
		return StateConnected
	case webrtc.PeerConnectionStateDisconnected:
		return StateDisconnected
	case webrtc.PeerConnectionStateFailed:
		return StateFailed
	case webrtc.PeerConnectionStateClosed:
		return StateClosed
	}
	return StateNew
}
