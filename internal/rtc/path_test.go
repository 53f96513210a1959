package rtc

import (
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

func TestTransportPolicy(t *testing.T) {
	tests := []struct {
		session string
		force   bool
		want    webrtc.ICETransportPolicy
	}{
		{"", false, webrtc.ICETransportPolicyAll},
		{wire.ICEPolicyAll, false, webrtc.ICETransportPolicyAll},
		{wire.ICEPolicyRelay, false, webrtc.ICETransportPolicyRelay},
		{wire.ICEPolicyAll, true, webrtc.ICETransportPolicyRelay},
		{"", true, webrtc.ICETransportPolicyRelay},
	}
	for _, tt := range tests {
		if got := TransportPolicy(tt.session, tt.force); got != tt.want {
			t.Errorf("TransportPolicy(%q, %v) = %v, want %v", tt.session, tt.force, got, tt.want)
		}
	}
}

func TestSelectedPathBeforeConnecting(t *testing.T) {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if p := SelectedPath(pc); p != (Path{}) {
		t.Errorf("SelectedPath(new) = %+v, want zero", p)
	}
}
