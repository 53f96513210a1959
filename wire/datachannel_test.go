package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeInput(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want InputEvent
	}{
		{`{"t":"move","x":0.25,"y":0.5}`, true, InputEvent{T: InputMove, X: 0.25, Y: 0.5}},
		{`{"t":"move","x":1,"y":0}`, true, InputEvent{T: InputMove, X: 1}},
		{`{"t":"move","x":1.01,"y":0}`, false, InputEvent{}},
		{`{"t":"move","x":-0.1,"y":0}`, false, InputEvent{}},
		{`{"t":"down","x":0.1,"y":0.1,"b":2}`, true, InputEvent{T: InputButtonDown, X: 0.1, Y: 0.1, Button: 2}},
		{`{"t":"down","x":0.1,"y":0.1,"b":7}`, false, InputEvent{}},
		{`{"t":"wheel","dy":3}`, true, InputEvent{T: InputWheel, DY: 3}},
		{`{"t":"wheel","dy":1e9}`, false, InputEvent{}},
		{`{"t":"keydown","c":"KeyZ"}`, true, InputEvent{T: InputKeyDown, Code: "KeyZ"}},
		{`{"t":"keydown","c":"Key Z"}`, false, InputEvent{}},
		{`{"t":"keydown","c":""}`, false, InputEvent{}},
		{`{"t":"text","s":"é€✓"}`, true, InputEvent{T: InputText, Text: "é€✓"}},
		{`{"t":"text","s":""}`, false, InputEvent{}},
		{`{"t":"release-all"}`, true, InputEvent{T: InputReleaseAll}},
		{`{"t":"explode"}`, false, InputEvent{}},
		{`{"t":"move","x":0.1,"y":0.1} {"t":"move"}`, false, InputEvent{}},
		{`not json`, false, InputEvent{}},
		{`{"t":"text","s":"` + strings.Repeat("a", MaxTextRunes+1) + `"}`, false, InputEvent{}},
	}
	for _, tt := range tests {
		got, err := DecodeInput([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("DecodeInput(%.40q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if err != nil && !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("DecodeInput(%.40q) error %v does not wrap ErrInvalidMessage", tt.in, err)
		}
		if tt.ok && got != tt.want {
			t.Errorf("DecodeInput(%.40q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeAnnotation(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{`{"t":"stroke","id":1,"color":"#ff0000","width":4,"points":[{"x":0.1,"y":0.2},{"x":0.3,"y":0.4}]}`, true},
		{`{"t":"stroke","id":1,"color":"red","width":4}`, false},
		{`{"t":"stroke","id":1,"color":"#ff0000","width":0}`, false},
		{`{"t":"stroke","id":1,"color":"#ff0000","width":4,"points":[{"x":2,"y":0.2}]}`, false},
		{`{"t":"laser","x":0.5,"y":0.5}`, true},
		{`{"t":"laser","x":0.5,"y":5}`, false},
		{`{"t":"clear"}`, true},
		{`{"t":"paint"}`, false},
	}
	for _, tt := range tests {
		_, err := DecodeAnnotation([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("DecodeAnnotation(%.50q) error = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestDecodeCursor(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{`{"t":"pos","x":0.5,"y":0.5,"visible":true}`, true},
		{`{"t":"pos","x":1.5,"y":0.5}`, false},
		{`{"t":"shape","w":16,"h":16,"hotX":1,"hotY":1,"png":"iVBORw0K"}`, true},
		{`{"t":"shape","w":16,"h":16,"hotX":16,"hotY":1,"png":"iVBORw0K"}`, false},
		{`{"t":"shape","w":1000,"h":16,"png":"iVBORw0K"}`, false},
		{`{"t":"shape","w":16,"h":16}`, false},
		{`{"t":"blink"}`, false},
	}
	for _, tt := range tests {
		_, err := DecodeCursor([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("DecodeCursor(%.50q) error = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func FuzzDecodeInput(f *testing.F) {
	for _, s := range []string{`{"t":"move","x":0.25,"y":0.5}`, `{"t":"keydown","c":"KeyA"}`, `{"t":"text","s":"hi"}`, `{"t":"wheel","dx":1,"dy":-2}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := DecodeInput(b)
		if err != nil {
			return
		}
		if ev.Validate() != nil {
			t.Fatalf("DecodeInput accepted an invalid event %+v", ev)
		}
	})
}

func FuzzDecodeAnnotation(f *testing.F) {
	f.Add([]byte(`{"t":"stroke","id":1,"color":"#ff0000","width":4,"points":[{"x":0.1,"y":0.2}]}`))
	f.Add([]byte(`{"t":"laser","x":0.5,"y":0.5}`))
	f.Add([]byte(`{"t":"clear"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAnnotation(b)
		if err != nil {
			return
		}
		if a.Validate() != nil {
			t.Fatalf("DecodeAnnotation accepted an invalid annotation %+v", a)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add([]byte(`{"t":"pos","x":0.5,"y":0.5,"visible":true}`))
	f.Add([]byte(`{"t":"shape","w":16,"h":16,"hotX":1,"hotY":1,"png":"iVBORw0K"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCursor(b)
		if err != nil {
			return
		}
		if c.T == CursorShape && (c.W > MaxCursorSize || c.H > MaxCursorSize) {
			t.Fatalf("DecodeCursor accepted an oversized shape %dx%d", c.W, c.H)
		}
	})
}

func FuzzDecodeFrame(f *testing.F) {
	f.Add(AppendFrame(nil, Frame{Keyframe: true, Codec: CodecVP8, CaptureUsec: 1, Seq: 2, Data: []byte{1, 2, 3}}))
	f.Add([]byte{1, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			return
		}
		again := AppendFrame(nil, fr)
		back, err := DecodeFrame(again)
		if err != nil || back.Keyframe != fr.Keyframe || back.Seq != fr.Seq || back.CaptureUsec != fr.CaptureUsec || string(back.Data) != string(fr.Data) {
			t.Fatalf("frame did not round-trip: %+v vs %+v (%v)", fr, back, err)
		}
	})
}
