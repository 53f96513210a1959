package rtc

import (
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// TestMediaEngineOffer builds a real offer from the shared media engine and
// checks that it carries what both sides depend on.
func TestMediaEngineOffer(t *testing.T) {
	m, err := NewMediaEngine()
	if err != nil {
		t.Fatalf("NewMediaEngine() error = %v", err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatalf("NewPeerConnection: %v", err)
	}
	defer func() { _ = pc.Close() }()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatalf("AddTransceiverFromKind: %v", err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
	for _, want := range []string{"VP8/90000", "nack pli", "ccm fir", "transport-cc", AbsCaptureTimeURI} {
		if !strings.Contains(offer.SDP, want) {
			t.Errorf("offer lacks %q", want)
		}
	}
	for _, not := range []string{"H264", "opus", "VP9"} {
		if strings.Contains(offer.SDP, not) {
			t.Errorf("offer has %q, want VP8 only", not)
		}
	}
}
