package input

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/wire"
)

var fullHD = wire.Monitor{Width: 1920, Height: 1080}

// grantedGate returns a real consent gate with control granted.
func grantedGate(t testing.TB) *consent.Gate {
	t.Helper()
	g, err := consent.New(consent.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{g.AllowScreen, g.RequestControl, g.AllowControl} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

func newTestHandler(t testing.TB, g Gate, mon wire.Monitor, clock *time.Time) (*Handler, *recorder) {
	t.Helper()
	rec := newRecorder()
	cfg := Config{Injector: rec, Gate: g, Monitor: func() wire.Monitor { return mon }}
	if clock != nil {
		cfg.Now = func() time.Time { return *clock }
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h, rec
}

func TestNewValidates(t *testing.T) {
	rec := newRecorder()
	g := grantedGate(t)
	mon := func() wire.Monitor { return fullHD }
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no injector", Config{Gate: g, Monitor: mon}},
		{"no gate", Config{Injector: rec, Monitor: mon}},
		{"no monitor", Config{Injector: rec, Gate: g}},
		{"negative rate", Config{Injector: rec, Gate: g, Monitor: mon, Rate: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("New(%s) = %v, want %v", tt.name, err, ErrConfig)
			}
		})
	}
}

func TestMonitorPoint(t *testing.T) {
	tests := []struct {
		mon    wire.Monitor
		nx, ny float64
		x, y   int
	}{
		{fullHD, 0.25, 0.5, 480, 540},
		{fullHD, 0, 0, 0, 0},
		{fullHD, 1, 1, 1919, 1079},
		{wire.Monitor{X: 1920, Y: -200, Width: 1280, Height: 1024}, 0, 0, 1920, -200},
		{wire.Monitor{X: 1920, Y: -200, Width: 1280, Height: 1024}, 1, 1, 3199, 823},
		{wire.Monitor{X: -1280, Width: 1280, Height: 720}, 0.5, 0.5, -640, 360},
	}
	for _, tt := range tests {
		x, y, ok := MonitorPoint(tt.mon, tt.nx, tt.ny)
		if !ok || x != tt.x || y != tt.y {
			t.Errorf("MonitorPoint(%+v, %v, %v) = %d,%d,%v want %d,%d,true", tt.mon, tt.nx, tt.ny, x, y, ok, tt.x, tt.y)
		}
	}
	if _, _, ok := MonitorPoint(wire.Monitor{}, 0.5, 0.5); ok {
		t.Error("MonitorPoint(empty) ok = true, want false")
	}
}

func evdevKC(t testing.TB, code string) KeyCode {
	t.Helper()
	kc, ok := NativeKeyCode(code)
	if !ok {
		t.Fatalf("NativeKeyCode(%q) unknown", code)
	}
	return kc
}

func TestHandleMessageInjects(t *testing.T) {
	a, shift := evdevKC(t, "KeyA"), evdevKC(t, "ShiftLeft")
	tests := []struct {
		name    string
		channel string
		msgs    []string
		want    []string
	}{
		{"move", wire.ChannelPointer, []string{`{"t":"move","x":0.25,"y":0.5}`}, []string{"move 480,540"}},
		{"move on input channel", wire.ChannelInput, []string{`{"t":"move","x":1,"y":0}`}, []string{"move 1919,0"}},
		{"click", wire.ChannelInput, []string{`{"t":"down","b":0,"x":0.5,"y":0.5}`, `{"t":"up","b":0,"x":0.5,"y":0.5}`},
			[]string{"move 960,540", "button 1 true", "move 960,540", "button 1 false"}},
		{"right and back buttons", wire.ChannelInput, []string{`{"t":"down","b":2}`, `{"t":"up","b":2}`, `{"t":"down","b":3}`, `{"t":"up","b":3}`},
			[]string{"move 0,0", "button 3 true", "move 0,0", "button 3 false", "move 0,0", "button 8 true", "move 0,0", "button 8 false"}},
		{"up without down is dropped", wire.ChannelInput, []string{`{"t":"up","b":1}`}, nil},
		{"keys", wire.ChannelInput, []string{`{"t":"keydown","c":"ShiftLeft"}`, `{"t":"keydown","c":"KeyA"}`, `{"t":"keyup","c":"KeyA"}`, `{"t":"keyup","c":"ShiftLeft"}`},
			[]string{fmt.Sprintf("key %d true", shift), fmt.Sprintf("key %d true", a), fmt.Sprintf("key %d false", a), fmt.Sprintf("key %d false", shift)}},
		{"keyup without keydown is dropped", wire.ChannelInput, []string{`{"t":"keyup","c":"KeyA"}`}, nil},
		{"auto-repeat passes", wire.ChannelInput, []string{`{"t":"keydown","c":"KeyA"}`, `{"t":"keydown","c":"KeyA"}`},
			[]string{fmt.Sprintf("key %d true", a), fmt.Sprintf("key %d true", a)}},
		{"wheel fractions accumulate", wire.ChannelInput, []string{`{"t":"wheel","dy":0.5}`, `{"t":"wheel","dy":0.5}`, `{"t":"wheel","dx":-2,"dy":-1}`},
			[]string{"wheel 0,1", "wheel -2,-1"}},
		{"text", wire.ChannelInput, []string{`{"t":"text","s":"é€✓"}`}, []string{`text "é€✓"`}},                                                                  // short: one call
		{"long text", wire.ChannelInput, []string{`{"t":"text","s":"0123456789abcdefghij€✓"}`}, []string{`text "0123456789"`, `text "abcdefghij"`, `text "€✓"`}}, // textChunk characters at a time, the gate asked between

		{"text line endings", wire.ChannelInput, []string{`{"t":"text","s":"a\r\nb\rc\n"}`}, []string{`text "a\nb\nc\n"`}},
		{"release-all", wire.ChannelInput, []string{`{"t":"keydown","c":"KeyA"}`, `{"t":"down","b":1}`, `{"t":"release-all"}`},
			[]string{fmt.Sprintf("key %d true", a), "move 0,0", "button 2 true", fmt.Sprintf("key %d false", a), "button 2 false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rec := newTestHandler(t, grantedGate(t), fullHD, nil)
			for _, m := range tt.msgs {
				h.HandleMessage(tt.channel, []byte(m))
			}
			if got := rec.Calls(); !slices.Equal(got, tt.want) {
				t.Fatalf("calls = %q, want %q", got, tt.want)
			}
			if _, _, rejected := h.Stats(); rejected != 0 {
				t.Fatalf("rejected = %d, want 0", rejected)
			}
		})
	}
}

func TestHandleMessageRejects(t *testing.T) {
	tests := []struct {
		name, channel, msg string
	}{
		{"not json", wire.ChannelInput, `{`},
		{"unknown kind", wire.ChannelInput, `{"t":"teleport"}`},
		{"out of range", wire.ChannelPointer, `{"t":"move","x":1.5,"y":0}`},
		{"negative", wire.ChannelPointer, `{"t":"move","x":-0.1,"y":0}`},
		{"bad button", wire.ChannelInput, `{"t":"down","b":7}`},
		{"unknown key", wire.ChannelInput, `{"t":"keydown","c":"KeyNope"}`},
		{"malformed key", wire.ChannelInput, `{"t":"keydown","c":"../x"}`},
		{"huge wheel", wire.ChannelInput, `{"t":"wheel","dy":1e9}`},
		{"empty text", wire.ChannelInput, `{"t":"text","s":""}`},
		{"key on pointer channel", wire.ChannelPointer, `{"t":"keydown","c":"KeyA"}`},
		{"unknown channel", "annotate", `{"t":"move","x":0,"y":0}`},
		{"trailing data", wire.ChannelInput, `{"t":"move","x":0,"y":0}{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rec := newTestHandler(t, grantedGate(t), fullHD, nil)
			h.HandleMessage(tt.channel, []byte(tt.msg))
			inj, drop, rej := h.Stats()
			if rej != 1 || inj != 0 || drop != 0 || len(rec.Calls()) != 0 {
				t.Fatalf("HandleMessage(%q, %q): stats %d/%d/%d calls %q, want 0/0/1 and none",
					tt.channel, tt.msg, inj, drop, rej, rec.Calls())
			}
		})
	}
}

// Every step of the consent machine that closes the gate drops input and
// releases what was held at once.
func TestGateClosingReleasesAndDrops(t *testing.T) {
	closers := []struct {
		name string
		fn   func(*consent.Gate) error
	}{
		{"revoke", (*consent.Gate).RevokeControl},
		{"pause", (*consent.Gate).Pause},
		{"end", (*consent.Gate).End},
		{"reconnect", (*consent.Gate).Reconnected},
	}
	for _, c := range closers {
		t.Run(c.name, func(t *testing.T) {
			g := grantedGate(t)
			h, rec := newTestHandler(t, g, fullHD, nil)
			for _, m := range []string{`{"t":"keydown","c":"ShiftLeft"}`, `{"t":"keydown","c":"KeyQ"}`, `{"t":"down","b":0}`, `{"t":"down","b":2}`} {
				h.HandleMessage(wire.ChannelInput, []byte(m))
			}
			if keys, btns := rec.pressed(); len(keys) != 2 || len(btns) != 2 {
				t.Fatalf("before %s: pressed keys %v buttons %v, want 2 and 2", c.name, keys, btns)
			}
			if err := c.fn(g); err != nil {
				t.Fatal(err)
			}
			if keys, btns := rec.pressed(); len(keys) != 0 || len(btns) != 0 {
				t.Fatalf("after %s: still pressed keys %v buttons %v", c.name, keys, btns)
			}
			n := len(rec.Calls())
			for i := range 1000 {
				h.HandleMessage(wire.ChannelInput, []byte(fmt.Sprintf(`{"t":"move","x":%v,"y":0.5}`, float64(i)/1000)))
			}
			h.HandleMessage(wire.ChannelInput, []byte(`{"t":"keydown","c":"KeyA"}`))
			if got := rec.Calls(); len(got) != n {
				t.Fatalf("after %s: %d more calls %q, want none", c.name, len(got)-n, got[n:])
			}
			if _, dropped, _ := h.Stats(); dropped != 1001 {
				t.Fatalf("after %s: dropped = %d, want 1001", c.name, dropped)
			}
		})
	}
}

// A gate without Notifier: held keys are still released on the first event
// seen with the gate closed.
type switchGate struct{ open bool }

func (s *switchGate) MayInject() bool { return s.open }

func TestGateWithoutNotifierReleasesOnNextEvent(t *testing.T) {
	g := &switchGate{open: true}
	h, rec := newTestHandler(t, g, fullHD, nil)
	h.HandleMessage(wire.ChannelInput, []byte(`{"t":"keydown","c":"AltLeft"}`))
	g.open = false
	h.HandleMessage(wire.ChannelInput, []byte(`{"t":"keydown","c":"Tab"}`))
	if keys, _ := rec.pressed(); len(keys) != 0 {
		t.Fatalf("pressed keys %v after closed-gate event, want none", keys)
	}
	if keys, btns := h.Held(); len(keys)+len(btns) != 0 {
		t.Fatalf("Held() = %v %v, want none", keys, btns)
	}
}

func TestRateLimit(t *testing.T) {
	clock := time.Unix(1000, 0)
	rec := newRecorder()
	h, err := New(Config{Injector: rec, Gate: grantedGate(t), Monitor: func() wire.Monitor { return fullHD },
		Rate: 100, Burst: 10, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	h.HandleMessage(wire.ChannelInput, []byte(`{"t":"keydown","c":"ShiftLeft"}`))
	for range 50 {
		h.HandleMessage(wire.ChannelPointer, []byte(`{"t":"move","x":0.1,"y":0.1}`))
	}
	inj, drop, _ := h.Stats()
	if inj != 10 || drop != 41 {
		t.Fatalf("after flood: injected %d dropped %d, want 10 and 41", inj, drop)
	}
	// The release of a held key passes even with an empty bucket.
	h.HandleMessage(wire.ChannelInput, []byte(`{"t":"keyup","c":"ShiftLeft"}`))
	if keys, _ := rec.pressed(); len(keys) != 0 {
		t.Fatalf("keyup over the limit was dropped; still pressed %v", keys)
	}
	// Tokens refill with time: 50 ms at 100/s is 5 events.
	clock = clock.Add(50 * time.Millisecond)
	for range 10 {
		h.HandleMessage(wire.ChannelPointer, []byte(`{"t":"move","x":0.1,"y":0.1}`))
	}
	if inj2, _, _ := h.Stats(); inj2 != inj+1+5 {
		t.Fatalf("after refill: injected %d, want %d", inj2, inj+1+5)
	}
}

func TestInjectorFailureNotHeld(t *testing.T) {
	h, rec := newTestHandler(t, grantedGate(t), fullHD, nil)
	rec.failOn = "key"
	h.HandleMessage(wire.ChannelInput, []byte(`{"t":"keydown","c":"KeyA"}`))
	if keys, _ := h.Held(); len(keys) != 0 {
		t.Fatalf("Held() after failed keydown = %v, want none", keys)
	}
	if _, dropped, _ := h.Stats(); dropped != 1 {
		t.Fatalf("dropped = %d, want 1", dropped)
	}
}

func TestCloseReleasesAndStops(t *testing.T) {
	h, rec := newTestHandler(t, grantedGate(t), fullHD, nil)
	h.HandleMessage(wire.ChannelInput, []byte(`{"t":"keydown","c":"ControlLeft"}`))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if keys, _ := rec.pressed(); len(keys) != 0 {
		t.Fatalf("pressed after Close: %v", keys)
	}
	n := len(rec.Calls())
	h.HandleMessage(wire.ChannelPointer, []byte(`{"t":"move","x":0.5,"y":0.5}`))
	if len(rec.Calls()) != n {
		t.Fatal("event injected after Close")
	}
}

// Events from both channels race with gate changes (run with -race): after
// the final revoke nothing is held, whatever interleaving happened.
func TestConcurrentEventsAndGateChanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g := grantedGate(t)
	h, rec := newTestHandler(t, g, fullHD, nil)
	var wg sync.WaitGroup
	send := func(ch string, msgs ...string) {
		defer wg.Done()
		for i := 0; ctx.Err() == nil && i < 3000; i++ {
			h.HandleMessage(ch, []byte(msgs[i%len(msgs)]))
		}
	}
	wg.Add(3)
	go send(wire.ChannelInput, `{"t":"keydown","c":"ShiftLeft"}`, `{"t":"keydown","c":"KeyB"}`, `{"t":"down","b":0}`, `{"t":"wheel","dy":1}`)
	go send(wire.ChannelPointer, `{"t":"move","x":0.3,"y":0.7}`)
	go send(wire.ChannelInput, `{"t":"keyup","c":"KeyB"}`, `{"t":"up","b":0}`, `{"t":"text","s":"x"}`)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil && i < 300; i++ {
			_ = g.RevokeControl()
			_ = g.RequestControl()
			_ = g.AllowControl()
			_ = g.Pause()
			_ = g.Resume()
		}
	}()
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("timed out")
	}
	if g.MayInject() {
		if err := g.RevokeControl(); err != nil {
			t.Fatal(err)
		}
	} else if err := g.Reconnected(); err != nil {
		t.Fatal(err)
	}
	if keys, btns := rec.pressed(); len(keys)+len(btns) != 0 {
		t.Fatalf("after revoke still pressed keys %v buttons %v", keys, btns)
	}
	inj, drop, rej := h.Stats()
	if inj+drop+rej != 9000 || rej != 0 {
		t.Fatalf("stats %d/%d/%d do not account for 9000 valid events", inj, drop, rej)
	}
}

func BenchmarkHandleMessageMove(b *testing.B) {
	h, _ := newTestHandler(b, grantedGate(b), fullHD, nil)
	msg := []byte(`{"t":"move","x":0.25,"y":0.5}`)
	for b.Loop() {
		h.HandleMessage(wire.ChannelPointer, msg)
	}
}

// No timer releases keys: a held Shift stays held however long it is held.
func TestHeldKeyNotAutoReleased(t *testing.T) {
	clock := time.Unix(1000, 0)
	h, rec := newTestHandler(t, grantedGate(t), fullHD, &clock)
	h.HandleMessage(wire.ChannelInput, []byte(`{"t":"keydown","c":"ShiftLeft"}`))
	clock = clock.Add(time.Hour)
	h.HandleMessage(wire.ChannelInput, []byte(`{"t":"down","b":0,"x":0.5,"y":0.5}`))
	if keys, _ := rec.pressed(); len(keys) != 1 {
		t.Fatalf("pressed keys after an hour = %v, want Shift still held", keys)
	}
	if keys, btns := h.Held(); len(keys) != 1 || len(btns) != 1 {
		t.Fatalf("Held() = %v %v, want one key and one button", keys, btns)
	}
}

// TestTextBudget: at most wire.MaxPasteRunes characters are typed at once,
// however they are split into messages, then DefaultTextRate a second; a
// text over the budget is dropped whole, before any of it is typed.
func TestTextBudget(t *testing.T) {
	clock := time.Unix(1000, 0)
	h, rec := newTestHandler(t, grantedGate(t), fullHD, &clock)
	text := func(s string) { h.HandleMessage(wire.ChannelInput, []byte(`{"t":"text","s":"`+s+`"}`)) }
	typed := func() int {
		n := 0
		for _, c := range rec.Calls() {
			var s string
			if _, err := fmt.Sscanf(c, "text %q", &s); err == nil {
				n += len([]rune(s))
			}
		}
		return n
	}
	full := strings.Repeat("日", wire.MaxTextRunes)
	for range wire.MaxPasteRunes / wire.MaxTextRunes {
		text(full)
	}
	if got := typed(); got != wire.MaxPasteRunes {
		t.Fatalf("typed %d characters of a %d-character paste, want all", got, wire.MaxPasteRunes)
	}
	text("x")
	if got := typed(); got != wire.MaxPasteRunes {
		t.Fatalf("typed %d characters, want nothing beyond the budget of %d", got, wire.MaxPasteRunes)
	}
	// 10 ms refill 10 characters: 11 are dropped whole, 10 are typed.
	clock = clock.Add(10 * time.Millisecond)
	text(strings.Repeat("a", 11))
	if got := typed(); got != wire.MaxPasteRunes {
		t.Fatalf("an 11-character text over a 10-character budget typed %d characters", got-wire.MaxPasteRunes)
	}
	text(strings.Repeat("a", 10))
	if got := typed(); got != wire.MaxPasteRunes+10 {
		t.Fatalf("typed %d characters after the refill, want %d", got, wire.MaxPasteRunes+10)
	}
	if _, drop, _ := h.Stats(); drop != 2 {
		t.Fatalf("dropped %d events, want 2 (over the text budget)", drop)
	}
}
