package rtc

import (
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// TransportPolicy is the ICE transport policy a peer applies: relay-only
// when the service says so for the session (wire.ICEPolicyRelay in the
// join or create answer) or this machine's policy forces it; all
// candidates otherwise.
func TransportPolicy(session string, forceRelay bool) webrtc.ICETransportPolicy {
	if forceRelay || session == wire.ICEPolicyRelay {
		return webrtc.ICETransportPolicyRelay
	}
	return webrtc.ICETransportPolicyAll
}

// Path describes the selected ICE candidate pair: the candidate types
// ("host", "srflx", "prflx", "relay") and, for a local relay candidate,
// how this peer reaches the TURN server ("udp", "tcp" or "tls").
type Path struct {
	Local, Remote      string
	LocalRelayProtocol string
}

// SelectedPath returns the path of pc's selected candidate pair; the zero
// Path before one is selected.
func SelectedPath(pc *webrtc.PeerConnection) Path {
	sctp := pc.SCTP()
	if sctp == nil || sctp.Transport() == nil || sctp.Transport().ICETransport() == nil {
		return Path{}
	}
	pair, err := sctp.Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Local == nil || pair.Remote == nil {
		return Path{}
	}
	p := Path{Local: pair.Local.Typ.String(), Remote: pair.Remote.Typ.String()}
	if pair.Local.Typ != webrtc.ICECandidateTypeRelay {
		return p
	}
	for _, st := range pc.GetStats() {
		c, ok := st.(webrtc.ICECandidateStats)
		if ok && c.Type == webrtc.StatsTypeLocalCandidate && c.IP == pair.Local.Address && int(c.Port) == int(pair.Local.Port) {
			p.LocalRelayProtocol = c.RelayProtocol
			break
		}
	}
	return p
}
