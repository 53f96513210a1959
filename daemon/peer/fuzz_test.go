package peer

import (
	"context"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// FuzzHandleSignal feeds untrusted answers and candidates from the helper
// to a started connection: nothing may panic, and a refused message must
// leave the connection usable.
func FuzzHandleSignal(f *testing.F) {
	f.Add(true, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
	f.Add(false, "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host")
	f.Add(false, "candidate:1 1 tcp 1 ::1 9 typ srflx raddr 0.0.0.0 rport 0 tcptype passive")
	f.Add(true, "")
	c, err := New(Config{Signal: func(wire.Envelope) error { return nil }})
	if err != nil {
		f.Fatalf("New() = %v", err)
	}
	f.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		f.Fatalf("Start() = %v", err)
	}
	f.Fuzz(func(t *testing.T, answer bool, s string) {
		env := wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: s}}
		if answer {
			env = wire.Envelope{Type: wire.TypeAnswer, SDP: s}
		}
		if env.Validate() != nil {
			return // the signalling client drops these before they get here
		}
		_ = c.HandleSignal(context.Background(), env)
		if c.q.Closed() {
			t.Fatal("connection closed by a signalling message")
		}
	})
}
