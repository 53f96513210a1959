package rtc

import (
	"fmt"

	"github.com/pion/webrtc/v4"
)

// AbsCaptureTimeURI is the RTP header extension that carries each frame's
// capture time (NTP format, sharer clock) from the sharer to the helper, so
// the helper can show glass-to-glass latency.
const AbsCaptureTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"

// NewMediaEngine returns the media engine both sides negotiate: VP8 only,
// with NACK, PLI, FIR and transport-cc feedback, and the capture-time
// extension. Both must register the same, or the offer and answer disagree.
func NewMediaEngine() (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{
		{Type: webrtc.TypeRTCPFBNACK}, {Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
		{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"}, {Type: webrtc.TypeRTCPFBTransportCC},
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb},
		PayloadType:        96,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register vp8: %w", err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: AbsCaptureTimeURI}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register abs-capture-time: %w", err)
	}
	return m, nil
}
