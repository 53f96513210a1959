package server

import (
	"errors"
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

// FuzzDecodeEnvelope feeds untrusted bytes to the decoder the session
// WebSocket uses: it must never panic, must wrap ErrInvalidEnvelope on
// failure, and whatever it accepts must re-encode to something it accepts.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"type":"chat","text":"hi"}`,
		`{"type":"offer","sdp":"v=0"}`,
		`{"type":"candidate","candidate":{"candidate":"c","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"control","state":"granted"}`,
		`{"type":"monitors","monitors":[{"index":0,"x":0,"y":0,"width":1,"height":1}],"monitor":0}`,
		`{"type":"end","reason":"helper-ended"}`,
		`{"type":"action","action":"task-manager"}`, `{"type":"restarting"}`,
		`{"type":"control","state":"granted","actions":["task-manager","restart"]}`,
		`{"type":"chat"}`, `{"type":"nope"}`, `{}`, `[]`, `null`, `{"type":"chat","text":"a"} {}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := wire.DecodeEnvelope(b)
		if err != nil {
			if !errors.Is(err, wire.ErrInvalidEnvelope) {
				t.Fatalf("DecodeEnvelope(%q) error %v does not wrap ErrInvalidEnvelope", b, err)
			}
			return
		}
		again, err := e.Encode()
		if err != nil {
			t.Fatalf("Encode(%+v): %v", e, err)
		}
		if _, err := wire.DecodeEnvelope(again); err != nil {
			t.Fatalf("re-decoding %q: %v", again, err)
		}
	})
}
