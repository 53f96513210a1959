package rtc

import (
	"testing"

	"github.com/pion/rtcp"
)

// TestMaxFPSPacketRoundTrip: the limit survives marshalling as the sharer
// reads it from the wire, and other RTCP packets or malformed limits are
// not taken for one.
func TestMaxFPSPacketRoundTrip(t *testing.T) {
	for _, fps := range []int{0, 1, 12, 60, MaxFPSLimit} {
		raw, err := MaxFPSPacket(0x1234, fps).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		pkts, err := rtcp.Unmarshal(raw)
		if err != nil || len(pkts) != 1 {
			t.Fatalf("unmarshal: %v (%d packets)", err, len(pkts))
		}
		got, ok := ParseMaxFPS(pkts[0])
		if !ok || got != fps {
			t.Errorf("ParseMaxFPS(MaxFPSPacket(%d)) = %d, %v", fps, got, ok)
		}
	}
	if got, _ := ParseMaxFPS(MaxFPSPacket(1, 10_000)); got != MaxFPSLimit {
		t.Errorf("a limit above MaxFPSLimit is sent as %d, want %d", got, MaxFPSLimit)
	}
	for name, p := range map[string]rtcp.Packet{
		"pli":        &rtcp.PictureLossIndication{MediaSSRC: 1},
		"other name": &rtcp.ApplicationDefined{Name: "ABCD", SSRC: 1, Data: []byte{0, 0, 0, 5}},
		"subtype":    &rtcp.ApplicationDefined{Name: maxFPSName, SubType: 3, SSRC: 1, Data: []byte{0, 0, 0, 5}},
		"short":      &rtcp.ApplicationDefined{Name: maxFPSName, SSRC: 1, Data: []byte{0, 5}},
		"too high":   &rtcp.ApplicationDefined{Name: maxFPSName, SSRC: 1, Data: []byte{0, 0, 1, 0}},
	} {
		if _, ok := ParseMaxFPS(p); ok {
			t.Errorf("%s taken for a frame-rate limit", name)
		}
	}
}
