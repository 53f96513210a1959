package rtc

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestStateOf(t *testing.T) {
	tests := []struct {
		in   webrtc.PeerConnectionState
		want State
		name string
	}{
		{webrtc.PeerConnectionStateUnknown, StateNew, "new"},
		{webrtc.PeerConnectionStateNew, StateNew, "new"},
		{webrtc.PeerConnectionStateConnecting, StateConnecting, "connecting"},
		{webrtc.PeerConnectionStateConnected, StateConnected, "connected"},
		{webrtc.PeerConnectionStateDisconnected, StateDisconnected, "disconnected"},
		{webrtc.PeerConnectionStateFailed, StateFailed, "failed"},
		{webrtc.PeerConnectionStateClosed, StateClosed, "closed"},
	}
	for _, tc := range tests {
		got := StateOf(tc.in)
		if got != tc.want {
			t.Errorf("StateOf(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if got.String() != tc.name {
			t.Errorf("StateOf(%v).String() = %q, want %q", tc.in, got.String(), tc.name)
		}
	}
	if got := State(99).String(); got != "unknown" {
		t.Errorf("State(99).String() = %q, want %q", got, "unknown")
	}
}
