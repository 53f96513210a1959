package rtc

import (
	"errors"
	"reflect"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

func TestCheckICEServers(t *testing.T) {
	tests := []struct {
		name string
		in   []wire.ICEServer
		want error
	}{
		{"none", nil, nil},
		{"stun and turn", []wire.ICEServer{{URLs: []string{"stun:a"}}, {URLs: []string{"turn:b"}, Username: "u", Credential: "c"}}, nil},
		{"second without urls", []wire.ICEServer{{URLs: []string{"stun:a"}}, {Username: "u"}}, ErrICEServerNoURLs},
	}
	for _, tc := range tests {
		if got := CheckICEServers(tc.in); !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
			t.Errorf("CheckICEServers(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestICEServers(t *testing.T) {
	in := []wire.ICEServer{{URLs: []string{"stun:a"}}, {URLs: []string{"turn:b", "turns:b"}, Username: "u", Credential: "c"}}
	want := []webrtc.ICEServer{{URLs: []string{"stun:a"}, Credential: ""}, {URLs: []string{"turn:b", "turns:b"}, Username: "u", Credential: "c"}}
	if got := ICEServers(in); !reflect.DeepEqual(got, want) {
		t.Errorf("ICEServers(%v) = %v, want %v", in, got, want)
	}
	if got := ICEServers(nil); got == nil || len(got) != 0 {
		t.Errorf("ICEServers(nil) = %#v, want an empty, non-nil slice", got)
	}
}

func TestCandidateRoundTrip(t *testing.T) {
	mid, idx, ufrag := "0", uint16(1), "abcd"
	tests := []webrtc.ICECandidateInit{
		{Candidate: "candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host", SDPMid: &mid, SDPMLineIndex: &idx, UsernameFragment: &ufrag},
		{Candidate: "candidate:2 1 udp 1 192.0.2.2 5001 typ relay"},
	}
	for _, in := range tests {
		env := CandidateEnvelope(in)
		if env.Type != wire.TypeCandidate || env.Candidate == nil {
			t.Fatalf("CandidateEnvelope(%q) = %+v, want a candidate envelope", in.Candidate, env)
		}
		if got := CandidateInit(env.Candidate); !reflect.DeepEqual(got, in) {
			t.Errorf("CandidateInit(CandidateEnvelope(%q)) = %+v, want %+v", in.Candidate, got, in)
		}
	}
}
