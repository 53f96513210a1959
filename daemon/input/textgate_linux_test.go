package input

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// countingInjector passes every call to the real X11 injector and counts
// the characters typed, signalling once when the count reaches at.
type countingInjector struct {
	*X11
	typed   atomic.Int64
	at      int64
	reached chan struct{}
}

func (c *countingInjector) Text(s string) error {
	err := c.X11.Text(s)
	if c.typed.Add(int64(len([]rune(s)))) == c.at {
		close(c.reached)
	}
	return err
}

// A 1,000-character text event stops typing the moment control is revoked:
// the gate is asked between chunks of textChunk characters, so the revoke does not wait for
// the rest to be typed, and nothing is typed after it returns.
func TestX11RevokeCutsLongText(t *testing.T) {
	s := newX11Session(t)
	ci := &countingInjector{X11: s.inj, at: 50, reached: make(chan struct{})}
	h, err := New(Config{Injector: ci, Gate: s.gate, Monitor: func() wire.Monitor { return fullHD }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s.grant(t)
	text := strings.Repeat("abcdefghij", wire.MaxTextRunes/10)
	msg, _ := json.Marshal(wire.InputEvent{T: wire.InputText, Text: text})
	n0 := len(s.rec.snapshot())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.HandleMessage(wire.ChannelInput, msg)
	}()
	select {
	case <-ci.reached:
	case <-time.After(20 * time.Second):
		t.Fatal("typing never reached 50 characters")
	}
	if err := s.gate.RevokeControl(); err != nil {
		t.Fatal(err)
	}
	atRevoke := ci.typed.Load()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the text event still runs after the revoke returned")
	}
	settle(t, s)
	time.Sleep(300 * time.Millisecond)
	if after := ci.typed.Load(); after != atRevoke {
		t.Errorf("%d characters typed after the revoke returned", after-atRevoke)
	}
	if atRevoke >= int64(len(text)) || atRevoke > 100 {
		t.Errorf("%d of %d characters typed by the time the revoke returned, want the text cut near 50", atRevoke, len(text))
	}
	if got := s.rec.text(n0); int64(len(got)) != atRevoke || !strings.HasPrefix(text, got) {
		t.Errorf("the X server saw %d characters %q, want the first %d of the text", len(got), got, atRevoke)
	}
	if down := s.rec.keysDown(t); len(down) != 0 {
		t.Errorf("keys down after the cut: %v", down)
	}
}
