package encode

import (
	"errors"
	"testing"
)

// encodedStream returns a keyframe and interframes of a small pattern.
func encodedStream(t testing.TB, w, h, n int) [][]byte {
	t.Helper()
	e, err := NewVP8(Config{Width: w, Height: h, BitrateKbps: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var frames [][]byte
	for i := range n {
		src := patternFrame(w, h, i)
		src.Captured = frameTime(i)
		f, _, err := e.Encode(src, false)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	return frames
}

func TestDecodeRejectsBadFrames(t *testing.T) {
	frames := encodedStream(t, 64, 48, 3)
	key, inter := frames[0], frames[1]
	withSize := func(w, h int) []byte {
		b := append([]byte(nil), key...)
		b[6], b[7], b[8], b[9] = byte(w), byte(w>>8), byte(h), byte(h>>8)
		return b
	}
	badStart := append([]byte(nil), key...)
	badStart[4] = 0
	tests := []struct {
		name  string
		frame []byte
	}{
		{"empty", nil},
		{"two bytes", []byte{0, 0}},
		{"interframe first", inter},
		{"bad start code", badStart},
		{"huge keyframe", withSize(16000, 16000)},
		{"zero width", withSize(0, 48)},
		{"truncated keyframe", key[:12]},
		{"partition past end", []byte{0xf0, 0xff, 0xff, 0x9d, 0x01, 0x2a, 64, 0, 48, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDecoder(t)
			img, err := d.Decode(tt.frame)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Decode(%s) = %v, %v; want ErrCorrupt", tt.name, img, err)
			}
			// The decoder stays usable.
			if img, err := d.Decode(key); err != nil || img == nil || img.Rect.Dx() != 64 {
				t.Errorf("Decode(keyframe) after %s = %v, %v", tt.name, img, err)
			}
		})
	}
}

func FuzzVP8Decode(f *testing.F) {
	frames := encodedStream(f, 64, 48, 4)
	for _, fr := range frames {
		f.Add(fr)
	}
	f.Add(frames[0][:20])
	f.Add([]byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x00, 0x30, 0x00, 0x00})
	key := frames[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		// On a fresh decoder (keyframe parsing) and after a valid keyframe
		// (interframe parsing against real reference frames).
		d, err := NewVP8Decoder()
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if img, err := d.Decode(data); err == nil && img != nil {
			checkImage(t, img.Rect.Dx(), img.Rect.Dy())
		}
		if _, err := d.Decode(key); err != nil {
			t.Fatalf("valid keyframe after fuzz input: %v", err)
		}
		if img, err := d.Decode(data); err == nil && img != nil {
			checkImage(t, img.Rect.Dx(), img.Rect.Dy())
		}
	})
}

func checkImage(t *testing.T, w, h int) {
	if w < 1 || h < 1 || w > MaxDecodeWidth || h > MaxDecodeHeight {
		t.Fatalf("decoded size %dx%d out of bounds", w, h)
	}
}
