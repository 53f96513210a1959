package viewer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

func TestCaptureUsec(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	good, _ := rtp.NewAbsCaptureTimeExtension(at).Marshal()
	withOffset, _ := rtp.NewAbsCaptureTimeExtensionWithCaptureClockOffset(at, 5*time.Millisecond).Marshal()
	ancient, _ := rtp.NewAbsCaptureTimeExtension(time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)).Marshal()
	tests := []struct {
		name   string
		id     uint8 // extension id the header is built with
		lookup uint8 // negotiated id looked up
		ext    []byte
		want   uint64
		wantOK bool
	}{
		{"plain", 3, 3, good, uint64(at.UnixMicro()), true},
		{"with clock offset", 3, 3, withOffset, uint64(at.UnixMicro()), true},
		{"not negotiated", 3, 0, good, 0, false},
		{"other id", 3, 4, good, 0, false},
		{"too short", 3, 3, good[:5], 0, false},
		{"implausible time", 3, 3, ancient, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := rtp.Header{Version: 2}
			if err := h.SetExtension(tc.id, tc.ext); err != nil {
				t.Fatal(err)
			}
			got, ok := captureUsec(&h, tc.lookup)
			if ok != tc.wantOK {
				t.Fatalf("captureUsec(%s) ok = %v, want %v", tc.name, ok, tc.wantOK)
			}
			// NTP fractions round to within a microsecond.
			if d := int64(got) - int64(tc.want); d < -1 || d > 1 {
				t.Errorf("captureUsec(%s) = %d, want %d", tc.name, got, tc.want)
			}
		})
	}
}

// FuzzCaptureUsec parses arbitrary RTP packets' extensions like the
// receive path does.
func FuzzCaptureUsec(f *testing.F) {
	p := rtp.Packet{Header: rtp.Header{Version: 2}, Payload: []byte{0x10, 0}}
	b, _ := rtp.NewAbsCaptureTimeExtension(time.Now()).Marshal()
	_ = p.Header.SetExtension(3, b)
	raw, _ := p.Marshal()
	f.Add(raw, uint8(3))
	f.Add([]byte{0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x37, 1, 2, 3}, uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, id uint8) {
		var p rtp.Packet
		if err := p.Unmarshal(raw); err != nil {
			return
		}
		usec, ok := captureUsec(&p.Header, id)
		if ok {
			at := time.UnixMicro(int64(usec))
			if at.Before(minCapture) || at.After(maxCapture) {
				t.Fatalf("captureUsec accepted %v", at)
			}
		}
	})
}

func TestHandleCursor(t *testing.T) {
	var got []wire.Cursor
	v := &Viewer{cfg: Config{OnCursor: func(c wire.Cursor) { got = append(got, c) }}}
	msgs := []struct {
		b  string
		ok bool
	}{
		{`{"t":"pos","x":0.5,"y":0.5,"visible":true}`, true},
		{`{"t":"pos","x":1.5,"y":0.5}`, false},
		{`{"t":"shape","w":4,"h":4,"hotX":1,"hotY":1,"png":"iVBORw=="}`, true},
		{`{"t":"shape","w":4,"h":4,"hotX":9,"hotY":1,"png":"iVBORw=="}`, false},
		{`not json`, false},
		{`{"t":"pos","x":0.5,"y":0.5}{}`, false},
	}
	wantBad, wantOK := 0, 0
	for _, m := range msgs {
		v.handleCursor([]byte(m.b))
		if m.ok {
			wantOK++
		} else {
			wantBad++
		}
	}
	if len(got) != wantOK {
		t.Errorf("OnCursor called %d times, want %d", len(got), wantOK)
	}
	if n := v.cursorBad.Load(); n != uint64(wantBad) {
		t.Errorf("cursorBad = %d, want %d", n, wantBad)
	}
}

// FuzzHandleCursor runs untrusted cursor messages through the viewer's
// handling path: every message is either delivered valid or counted bad.
func FuzzHandleCursor(f *testing.F) {
	f.Add([]byte(`{"t":"pos","x":0.5,"y":0.5,"visible":true}`))
	f.Add([]byte(`{"t":"shape","w":4,"h":4,"hotX":1,"hotY":1,"png":"iVBORw==","serial":9}`))
	f.Add([]byte(`{"t":"shape","w":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		delivered := 0
		v := &Viewer{cfg: Config{OnCursor: func(c wire.Cursor) {
			delivered++
			if c.T != wire.CursorPosition && c.T != wire.CursorShape {
				t.Fatalf("delivered cursor kind %q", c.T)
			}
			if c.T == wire.CursorShape && (c.W <= 0 || c.W > wire.MaxCursorSize || len(c.PNG) == 0) {
				t.Fatalf("delivered bad shape %+v", c)
			}
		}}}
		v.handleCursor(b)
		if delivered+int(v.cursorBad.Load()) != 1 {
			t.Fatalf("delivered %d, bad %d; want exactly one outcome", delivered, v.cursorBad.Load())
		}
	})
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no signal", Config{}},
		{"ice server without urls", Config{Signal: func(wire.Envelope) error { return nil }, ICEServers: []wire.ICEServer{{}}}},
	}
	for _, tc := range tests {
		if v, err := New(tc.cfg); !errors.Is(err, rtc.ErrInvalidConfig) {
			if v != nil {
				_ = v.Close()
			}
			t.Errorf("New(%s) = %v, want rtc.ErrInvalidConfig", tc.name, err)
		}
	}
}

func TestSendBeforeConnect(t *testing.T) {
	v, err := New(Config{Signal: func(wire.Envelope) error { return nil }})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"invalid move", v.SendInput(wire.InputEvent{T: wire.InputMove, X: -1}), rtc.ErrInvalidMessage},
		{"unknown kind", v.SendInput(wire.InputEvent{T: "teleport"}), rtc.ErrInvalidMessage},
		{"bad annotation", v.SendAnnotation(wire.Annotation{T: wire.AnnotateStroke, Color: "red"}), rtc.ErrInvalidMessage},
		{"valid move, no channel yet", v.SendInput(wire.InputEvent{T: wire.InputMove, X: 0.5, Y: 0.5}), rtc.ErrChannelNotOpen},
		{"valid clear, no channel yet", v.SendAnnotation(wire.Annotation{T: wire.AnnotateClear}), rtc.ErrChannelNotOpen},
		{"answer is not for the viewer", v.HandleSignal(context.Background(), wire.Envelope{Type: wire.TypeAnswer, SDP: "v=0"}), rtc.ErrBadSignal},
		{"garbage offer", v.HandleSignal(context.Background(), wire.Envelope{Type: wire.TypeOffer, SDP: "nonsense"}), rtc.ErrBadSignal},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	v.RequestKeyframe() // no track yet: must not panic or send
	if err := v.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := v.SendInput(wire.InputEvent{T: wire.InputReleaseAll}); !errors.Is(err, rtc.ErrClosed) {
		t.Errorf("SendInput after Close = %v, want rtc.ErrClosed", err)
	}
}

func TestMeterRates(t *testing.T) {
	m := newMeter()
	t0 := time.Unix(1700000000, 0)
	for i := 0; i < 30; i++ {
		at := t0.Add(time.Duration(i) * 33 * time.Millisecond)
		m.packet(at, 1250)
		m.frame(at, 5*time.Millisecond)
	}
	end := t0.Add(29 * 33 * time.Millisecond)
	fps, kbps := m.rates(end)
	// The last second holds the frames from end-1s onwards: 29 or 30 of them.
	if fps < 28 || fps > 30 {
		t.Errorf("fps = %v, want about 30", fps)
	}
	if kbps < 270 || kbps > 300 {
		t.Errorf("kbps = %d, want about 300", kbps)
	}
	if fps, _ := m.rates(end.Add(5 * time.Second)); fps != 0 {
		t.Errorf("fps 5 s later = %v, want 0", fps)
	}
}

func TestKeyGate(t *testing.T) {
	tests := []struct {
		name  string
		key   bool
		gap   bool
		admit bool
	}{
		{"delta before any keyframe", false, false, false},
		{"first keyframe", true, false, true},
		{"delta", false, false, true},
		{"delta after a loss", false, true, false},
		{"next delta still waits", false, false, false},
		{"keyframe after a loss", true, true, true},
		{"delta after recovery", false, false, true},
	}
	var g keyGate
	for _, tc := range tests {
		if got := g.admit(assembledFrame{keyframe: tc.key, afterGap: tc.gap}); got != tc.admit {
			t.Errorf("admit(%s) = %v, want %v", tc.name, got, tc.admit)
		}
	}
}
