package rtc

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// realOffer is an offer like the sharer's: VP8 video and a data channel.
func realOffer(f *testing.F) string {
	f.Helper()
	m, err := NewMediaEngine()
	if err != nil {
		f.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		f.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := pc.AddTrack(track); err != nil {
		f.Fatal(err)
	}
	if _, err := pc.CreateDataChannel(wire.ChannelInput, nil); err != nil {
		f.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		f.Fatal(err)
	}
	return offer.SDP
}

// FuzzHandleSignal feeds untrusted descriptions and candidates, relayed by
// the service from the other side, to both roles: answers and candidates
// to a started offerer (the sharer's peer), offers and candidates to an
// answerer (the helper's viewer). Nothing may panic or hang, and a refused
// message must leave the connection usable.
func FuzzHandleSignal(f *testing.F) {
	f.Add(true, realOffer(f))
	f.Add(true, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
	f.Add(false, "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host")
	f.Add(false, "candidate:1 1 tcp 1 ::1 9 typ srflx raddr 0.0.0.0 rport 0 tcptype passive")
	f.Add(true, "")
	off, ans := newSide(f, Offerer, true), newSide(f, Answerer, true)
	if _, err := off.pc.CreateDataChannel("fuzz", nil); err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := off.sig.Start(ctx); err != nil {
		f.Fatalf("Start() = %v", err)
	}
	// Nobody reads what the sides send: keep their queues from filling.
	for _, sd := range []*side{off, ans} {
		sd.wg.Go(func() { Consume(sd.loop.Done(), sd.out, func(wire.Envelope) {}) })
	}
	f.Fuzz(func(t *testing.T, desc bool, s string) {
		for _, sd := range []*side{off, ans} {
			env := wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: s}}
			if desc {
				env = wire.Envelope{Type: sd.sig.remoteType(), SDP: s}
			}
			if env.Validate() != nil {
				return // the signalling client drops these before they get here
			}
			done := make(chan struct{})
			go func() { defer close(done); _ = sd.sig.HandleSignal(context.Background(), env) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				buf := make([]byte, 1<<20)
				t.Fatalf("HandleSignal(%s, %q) still running after 5 s\n%s", env.Type, s, buf[:runtime.Stack(buf, true)])
			}
			if sd.loop.Closed() {
				t.Fatalf("%s closed by a signalling message", env.Type)
			}
		}
	})
}
