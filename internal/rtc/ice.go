package rtc

import (
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// CheckICEServers reports ErrICEServerNoURLs when an entry has no URL: pion
// would reject the whole configuration later with a less useful error.
func CheckICEServers(in []wire.ICEServer) error {
	for _, s := range in {
		if len(s.URLs) == 0 {
			return ErrICEServerNoURLs
		}
	}
	return nil
}

// ICEServers converts the service's ICE servers to pion's form.
func ICEServers(in []wire.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(in))
	for _, s := range in {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

// CandidateEnvelope wraps a local candidate in the signalling message that
// carries it to the other side.
func CandidateEnvelope(init webrtc.ICECandidateInit) wire.Envelope {
	return wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{
		Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex,
		UsernameFragment: init.UsernameFragment,
	}}
}

// CandidateInit converts a remote candidate from a signalling message to
// pion's form. c must not be nil.
func CandidateInit(c *wire.ICECandidate) webrtc.ICECandidateInit {
	return webrtc.ICECandidateInit{
		Candidate: c.Candidate, SDPMid: c.SDPMid,
		SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment,
	}
}
