package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("unmarshal %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// TestBridgeFixturesRoundTrip proves every golden fixture (shared with the
// frontend's tests) decodes and re-encodes without losing a field, so the
// Go struct tags and the fixtures agree.
func TestBridgeFixturesRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bridge-*.json"))
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures: %v (%d files)", err, len(files))
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var out []byte
			if strings.Contains(name, "bridge-request-") {
				r, err := DecodeBridgeRequest(raw)
				if err != nil {
					t.Fatalf("DecodeBridgeRequest(%s) error %v", name, err)
				}
				out, err = json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
			} else {
				e, err := DecodeBridgeEvent(raw)
				if err != nil {
					t.Fatalf("DecodeBridgeEvent(%s) error %v", name, err)
				}
				out, err = json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
			}
			if !sameJSON(t, raw, out) {
				t.Errorf("round trip of %s = %s, want %s", name, out, raw)
			}
		})
	}
}

func TestDecodeBridgeRequestRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"unknown type", `{"type":"format-disk"}`},
		{"login without password", `{"type":"login","email":"a@b.c"}`},
		{"login with file server", `{"type":"login","server":"file:///etc","email":"a@b.c","password":"x"}`},
		{"empty chat", `{"type":"chat","text":""}`},
		{"chat too long", `{"type":"chat","text":"` + strings.Repeat("a", MaxChatRunes+1) + `"}`},
		{"input missing", `{"type":"input"}`},
		{"input out of range", `{"type":"input","input":{"t":"move","x":1.5,"y":0}}`},
		{"input bad key", `{"type":"input","input":{"t":"keydown","c":"<script>"}}`},
		{"quick action missing", `{"type":"quick-action"}`},
		{"quick action a command", `{"type":"quick-action","action":"taskmgr.exe"}`},
		{"max fps below zero", `{"type":"max-fps","fps":-1}`},
		{"max fps above the limit", `{"type":"max-fps","fps":61}`},
		{"annotate missing", `{"type":"annotate"}`},
		{"annotate bad colour", `{"type":"annotate","annotation":{"t":"stroke","color":"red","width":3}}`},
		{"monitor negative", `{"type":"switch-monitor","monitor":-1}`},
		{"monitor too big", `{"type":"switch-monitor","monitor":16}`},
		{"trailing data", `{"type":"end"} {"type":"end"}`},
		{"not json", `hello`},
		{"email too long", `{"type":"login","email":"` + strings.Repeat("a", MaxBridgeFieldLen+1) + `","password":"x"}`},
		{"oversized", `{"type":"chat","text":"` + strings.Repeat("a", MaxBridgeMessageBytes) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBridgeRequest([]byte(tt.in))
			if !errors.Is(err, ErrInvalidBridgeMessage) {
				t.Errorf("DecodeBridgeRequest(%.40q) error = %v, want ErrInvalidBridgeMessage", tt.in, err)
			}
		})
	}
}

func TestDecodeBridgeEventRejects(t *testing.T) {
	tests := []string{
		`{"type":"state"}`,
		`{"type":"session","code":"ABCD-EFGH"}`,
		`{"type":"chat"}`,
		`{"type":"cursor"}`,
		`{"type":"stats"}`,
		`{"type":"launch"}`,
		`[]`,
	}
	for _, in := range tests {
		if _, err := DecodeBridgeEvent([]byte(in)); !errors.Is(err, ErrInvalidBridgeMessage) {
			t.Errorf("DecodeBridgeEvent(%q) error = %v, want ErrInvalidBridgeMessage", in, err)
		}
	}
}

// TestFrameFixtures checks the binary frame fixtures that the frontend's
// frame decoder is tested against: header fields, and that AppendFrame
// reproduces each byte.
func TestFrameFixtures(t *testing.T) {
	tests := []struct {
		file     string
		keyframe bool
		usec     uint64
		seq      uint32
		size     int
	}{
		{"frame-vp8-key.bin", true, 1700000000123456, 1, 62},
		{"frame-vp8-delta.bin", false, 1700000000156789, 2, 25},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := DecodeFrame(raw)
			if err != nil {
				t.Fatalf("DecodeFrame(%s) error %v", tt.file, err)
			}
			if f.Keyframe != tt.keyframe || f.Codec != CodecVP8 || f.CaptureUsec != tt.usec || f.Seq != tt.seq || len(f.Data) != tt.size {
				t.Errorf("DecodeFrame(%s) = key %v codec %d usec %d seq %d size %d, want %v %d %d %d %d",
					tt.file, f.Keyframe, f.Codec, f.CaptureUsec, f.Seq, len(f.Data), tt.keyframe, CodecVP8, tt.usec, tt.seq, tt.size)
			}
			// A VP8 keyframe carries the start code 9d 01 2a after its 3-byte tag.
			if tt.keyframe && !bytes.Equal(f.Data[3:6], []byte{0x9d, 0x01, 0x2a}) {
				t.Errorf("%s data is not a VP8 keyframe: % x", tt.file, f.Data[:6])
			}
			if got := AppendFrame(nil, f); !bytes.Equal(got, raw) {
				t.Errorf("AppendFrame(DecodeFrame(%s)) differs from the fixture", tt.file)
			}
		})
	}
}

func FuzzDecodeBridgeRequest(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "bridge-request-*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"type":"input","input":{"t":"wheel","dx":1e308}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeBridgeRequest(b)
		if err != nil {
			return
		}
		// Whatever decodes must validate again after a round trip.
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeBridgeRequest(out); err != nil {
			t.Fatalf("re-decode of %s: %v", out, err)
		}
	})
}

func FuzzDecodeBridgeEvent(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "bridge-event-*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeBridgeEvent(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeBridgeEvent(out); err != nil {
			t.Fatalf("re-decode of %s: %v", out, err)
		}
	})
}
