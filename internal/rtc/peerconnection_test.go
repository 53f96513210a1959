package rtc

import (
	"errors"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

func TestNewPeerConnection(t *testing.T) {
	errSide := errors.New("side interceptor failed")
	var order []string
	pc, err := NewPeerConnection(PeerOptions{
		ICEServers: []wire.ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}},
		Interceptors: func(*webrtc.MediaEngine, *interceptor.Registry) error {
			order = append(order, "interceptors")
			return nil
		},
		Settings: []func(*webrtc.SettingEngine){
			func(*webrtc.SettingEngine) { order = append(order, "side") },
			nil,
			func(*webrtc.SettingEngine) { order = append(order, "test") },
		},
	})
	if err != nil {
		t.Fatalf("NewPeerConnection() = %v", err)
	}
	defer pc.Close()
	if got := pc.GetConfiguration(); got.BundlePolicy != webrtc.BundlePolicyMaxBundle || len(got.ICEServers) != 1 {
		t.Errorf("configuration = bundle %v, %d ICE servers; want max-bundle and 1", got.BundlePolicy, len(got.ICEServers))
	}
	if want := []string{"interceptors", "side", "test"}; len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Errorf("hooks ran as %v, want %v", order, want)
	}
	tests := []struct {
		name string
		o    PeerOptions
		want error
	}{
		{"ICE server without URLs", PeerOptions{ICEServers: []wire.ICEServer{{Username: "u"}}}, ErrInvalidConfig},
		{"side interceptor fails", PeerOptions{Interceptors: func(*webrtc.MediaEngine, *interceptor.Registry) error { return errSide }}, errSide},
	}
	for _, tc := range tests {
		pc, err := NewPeerConnection(tc.o)
		if !errors.Is(err, tc.want) {
			if pc != nil {
				_ = pc.Close()
			}
			t.Errorf("NewPeerConnection(%s) = %v, want %v", tc.name, err, tc.want)
		}
	}
}
