package input

import (
	"testing"

	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/wire"
)

var fuzzChannels = []string{wire.ChannelInput, wire.ChannelPointer, wire.ChannelAnnotate, ""}

// FuzzHandleMessage feeds untrusted bytes to the Handler: it must never
// panic, never inject anything while the gate is closed, and with the gate
// open it must leave nothing held after ReleaseAll.
func FuzzHandleMessage(f *testing.F) {
	for _, s := range []string{
		`{"t":"move","x":0.25,"y":0.5}`, `{"t":"down","b":0,"x":1,"y":1}`, `{"t":"up","b":4,"x":0,"y":0}`,
		`{"t":"wheel","dx":-50,"dy":50}`, `{"t":"wheel","dy":0.3}`, `{"t":"keydown","c":"ShiftLeft"}`,
		`{"t":"keyup","c":"KeyZ"}`, `{"t":"text","s":"é€✓\n"}`, `{"t":"release-all"}`,
		`{"t":"move","x":1e400}`, `{"t":"text","s":"\ud800"}`, `[]`, `null`, ``, `{"t":"keydown","c":"KeyA"}{"t":"keydown"}`,
	} {
		f.Add(uint8(0), []byte(s))
		f.Add(uint8(1), []byte(s))
	}
	f.Fuzz(func(t *testing.T, ch uint8, b []byte) {
		channel := fuzzChannels[int(ch)%len(fuzzChannels)]

		closed, err := consent.New(consent.Config{})
		if err != nil {
			t.Fatal(err)
		}
		_ = closed.AllowScreen()
		_ = closed.RequestControl() // requested, never allowed
		h, rec := newTestHandler(t, closed, fullHD, nil)
		h.HandleMessage(channel, b)
		h.HandleMessage(channel, b)
		if calls := rec.Calls(); len(calls) != 0 {
			t.Fatalf("gate closed but injected %q", calls)
		}
		if inj, _, _ := h.Stats(); inj != 0 {
			t.Fatalf("gate closed but injected = %d", inj)
		}

		open := grantedGate(t)
		h2, rec2 := newTestHandler(t, open, wire.Monitor{X: -100, Y: 50, Width: 800, Height: 600}, nil)
		h2.HandleMessage(channel, b)
		h2.HandleMessage(channel, b)
		if err := open.RevokeControl(); err != nil {
			t.Fatal(err)
		}
		if keys, btns := rec2.pressed(); len(keys)+len(btns) != 0 {
			t.Fatalf("after revoke still pressed keys %v buttons %v", keys, btns)
		}
	})
}
