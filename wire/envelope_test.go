package wire

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeEnvelope(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{`{"type":"chat","text":"hello"}`, true},
		{`{"type":"chat","text":""}`, false},
		{`{"type":"chat","text":"` + strings.Repeat("x", MaxChatRunes+1) + `"}`, false},
		{`{"type":"offer","sdp":"v=0"}`, true},
		{`{"type":"offer"}`, false},
		{`{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}}`, true},
		{`{"type":"candidate"}`, false},
		{`{"type":"consent","state":"granted"}`, true},
		{`{"type":"consent","state":"revoked"}`, false},
		{`{"type":"control","state":"revoked"}`, true},
		{`{"type":"control","state":"maybe"}`, false},
		{`{"type":"control","state":"denied","reason":"control-wait","retryAfter":10}`, true},
		{`{"type":"control","state":"denied","reason":"control-wait","retryAfter":3601}`, false},
		{`{"type":"control","state":"denied","retryAfter":-1}`, false},
		{`{"type":"chat","text":"hi","retryAfter":5}`, false},
		{`{"type":"offer","sdp":"v=0","sasCommit":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`, true},
		{`{"type":"offer","sdp":"v=0","sasCommit":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"}`, false},
		{`{"type":"offer","sdp":"v=0","sasCommit":"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"}`, false},
		{`{"type":"offer","sdp":"v=0","sasCommit":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"}`, false},
		{`{"type":"answer","sdp":"v=0","sasCommit":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`, false},
		{`{"type":"switch-monitor","monitor":2}`, true},
		{`{"type":"switch-monitor","monitor":-1}`, false},
		{`{"type":"teleport"}`, false},
		{`{"type":"end","reason":"helper-ended"} trailing`, false},
		{`[]`, false},
	}
	for _, tt := range tests {
		_, err := DecodeEnvelope([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("DecodeEnvelope(%.50q) error = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidEnvelope) {
			t.Errorf("DecodeEnvelope(%.50q) error %v does not wrap ErrInvalidEnvelope", tt.in, err)
		}
	}
	if _, err := DecodeEnvelope(make([]byte, MaxEnvelopeBytes+1)); err == nil {
		t.Error("DecodeEnvelope accepted an oversized message")
	}
}

func TestFrameRoundTrip(t *testing.T) {
	in := Frame{Keyframe: true, Codec: CodecVP8, CaptureUsec: 1_700_000_000_123_456, Seq: 42, Data: []byte("vp8")}
	b := AppendFrame(nil, in)
	if len(b) != FrameHeaderSize+3 {
		t.Fatalf("len = %d, want %d", len(b), FrameHeaderSize+3)
	}
	out, err := DecodeFrame(b)
	if err != nil {
		t.Fatal(err)
	}
	if out.Keyframe != in.Keyframe || out.Codec != in.Codec || out.CaptureUsec != in.CaptureUsec || out.Seq != in.Seq || string(out.Data) != "vp8" {
		t.Errorf("DecodeFrame(AppendFrame(%+v)) = %+v", in, out)
	}
	for _, bad := range [][]byte{nil, b[:FrameHeaderSize-1], append([]byte{9}, b[1:]...), append([]byte{1, 0, 7}, b[3:]...)} {
		if _, err := DecodeFrame(bad); !errors.Is(err, ErrInvalidFrame) {
			t.Errorf("DecodeFrame(% x) error = %v, want ErrInvalidFrame", bad[:min(len(bad), 4)], err)
		}
	}
}

// The helper's request for an ICE restart is a known type with nothing
// else in it; the fixture is what the helper's app sends.
func TestDecodeICERestartFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "envelope-ice-restart.json"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := DecodeEnvelope(raw)
	if err != nil {
		t.Fatalf("DecodeEnvelope(%s) = %v", raw, err)
	}
	if !reflect.DeepEqual(env, Envelope{Type: TypeICERestart}) {
		t.Errorf("DecodeEnvelope(%s) = %+v, want only type %q", raw, env, TypeICERestart)
	}
	out, err := json.Marshal(Envelope{Type: TypeICERestart})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), strings.TrimSpace(string(raw)); got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
}

func TestChatIDs(t *testing.T) {
	tests := []struct {
		json string
		ok   bool
	}{
		{`{"type":"chat","text":"hi","id":"a1b2-C3_d4"}`, true},
		{`{"type":"chat","text":"hi"}`, true}, // the previous release's chat
		{`{"type":"chat-ack","id":"a1b2"}`, true},
		{`{"type":"chat-ack"}`, false},
		{`{"type":"chat","text":"hi","id":"a b"}`, false},
		{`{"type":"chat","text":"hi","id":"` + strings.Repeat("x", MaxIDLen+1) + `"}`, false},
		{`{"type":"offer","sdp":"v=0","id":"a1"}`, false},
	}
	for _, tt := range tests {
		_, err := DecodeEnvelope([]byte(tt.json))
		if (err == nil) != tt.ok {
			t.Errorf("DecodeEnvelope(%s) error = %v, want ok %v", tt.json, err, tt.ok)
		}
	}
}

// The helper's quick-action request names the action and nothing else; the
// fixture is what the helper's app sends. Names are short kebab-case, only
// on an action; the list of offered actions rides on control granted only.
func TestDecodeActionFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "envelope-action.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := Envelope{Type: TypeAction, Action: ActionTaskManager}
	env, err := DecodeEnvelope(raw)
	if err != nil {
		t.Fatalf("DecodeEnvelope(%s) = %v", raw, err)
	}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("DecodeEnvelope(%s) = %+v, want %+v", raw, env, want)
	}
	out, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := string(out), strings.TrimSpace(string(raw)); got != w {
		t.Errorf("Marshal = %s, want %s", got, w)
	}
	good := []string{
		`{"type":"action","action":"restart"}`,
		`{"type":"action","action":"restart","state":"asked"}`,
		`{"type":"action","action":"task-manager","state":"failed"}`,
		`{"type":"control","state":"granted","actions":["task-manager","restart"]}`,
		`{"type":"restarting"}`,
	}
	for _, g := range good {
		if _, err := DecodeEnvelope([]byte(g)); err != nil {
			t.Errorf("DecodeEnvelope(%s) = %v, want ok", g, err)
		}
	}
	bad := []string{
		`{"type":"action"}`,
		`{"type":"action","action":"Task Manager"}`,
		`{"type":"action","action":"rm -rf /"}`,
		`{"type":"action","action":"` + strings.Repeat("a", MaxActionLen+1) + `"}`,
		`{"type":"action","action":"restart","state":"granted"}`,
		`{"type":"chat","text":"x","action":"restart"}`,
		`{"type":"control","state":"denied","actions":["restart"]}`,
		`{"type":"control","state":"granted","actions":["a","b","c","d","e","f","g","h","i"]}`,
		`{"type":"control","state":"granted","actions":["cmd.exe"]}`,
	}
	for _, b := range bad {
		if _, err := DecodeEnvelope([]byte(b)); !errors.Is(err, ErrInvalidEnvelope) {
			t.Errorf("DecodeEnvelope(%s) = %v, want ErrInvalidEnvelope", b, err)
		}
	}
}

// hello carries the ICE servers of the node the socket reached; the
// fixture is what a node sends after a reconnect.
func TestDecodeHelloICEFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "envelope-hello-ice.json"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := DecodeEnvelope(raw)
	if err != nil {
		t.Fatalf("DecodeEnvelope(%s) = %v", raw, err)
	}
	want := Envelope{Type: TypeHello, Role: RoleSharer, Peer: true, ICEServers: []ICEServer{{
		URLs:     []string{"turn:198.51.100.3:3478?transport=udp", "turn:198.51.100.3:3478?transport=tcp"},
		Username: "1764620000:s1", Credential: "q9Zx1uCw2aBtYjHhKk0pQm7Lr3E=",
	}}}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("DecodeEnvelope(%s) = %+v, want %+v", raw, env, want)
	}
	out, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), strings.TrimSpace(string(raw)); got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	for name, bad := range map[string]Envelope{
		"outside hello": {Type: TypeChat, Text: "x", ICEServers: want.ICEServers},
		"no urls":       {Type: TypeHello, ICEServers: []ICEServer{{}}},
		"too many":      {Type: TypeHello, ICEServers: make([]ICEServer, MaxICEServers+1)},
		"long url":      {Type: TypeHello, ICEServers: []ICEServer{{URLs: []string{strings.Repeat("a", MaxICEFieldLen+1)}}}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: Validate = nil, want an error", name)
		}
	}
}
