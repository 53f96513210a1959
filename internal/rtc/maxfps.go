package rtc

import (
	"encoding/binary"

	"github.com/pion/rtcp"
)

// The viewer's frame-rate limit travels from the helper to the sharer as an
// RTCP application-defined packet (RFC 3550 6.7) named maxFPSName: the
// helper's page decodes fewer frames a second than arrive (a busy
// computer, software decoding), and a sharer that keeps sending more only
// makes the page's decoder queue grow until it gives up and asks for a
// keyframe, the costliest frame there is. The packet rides the media
// connection's RTCP, beside PLI and transport-wide feedback, so it needs
// neither the service nor a data channel.
const (
	maxFPSName    = "QHFR"
	maxFPSSubType = 0
	// MaxFPSLimit is the largest limit a packet may carry.
	MaxFPSLimit = 240
)

// MaxFPSPacket asks the sender of media ssrc for at most fps frames a
// second; 0 lifts the limit.
func MaxFPSPacket(ssrc uint32, fps int) rtcp.Packet {
	data := make([]byte, 4)
	binary.BigEndian.PutUint32(data, uint32(min(max(fps, 0), MaxFPSLimit)))
	return &rtcp.ApplicationDefined{SubType: maxFPSSubType, SSRC: ssrc, Name: maxFPSName, Data: data}
}

// ParseMaxFPS reports the limit a packet carries, if it is a frame-rate
// limit. Other packets, and limits out of range, give ok false.
func ParseMaxFPS(p rtcp.Packet) (fps int, ok bool) {
	a, isApp := p.(*rtcp.ApplicationDefined)
	if !isApp || a.Name != maxFPSName || a.SubType != maxFPSSubType || len(a.Data) != 4 {
		return 0, false
	}
	v := binary.BigEndian.Uint32(a.Data)
	if v > MaxFPSLimit {
		return 0, false
	}
	return int(v), true
}
