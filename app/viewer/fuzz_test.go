package viewer

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// realOffer is an offer like the sharer's: VP8 video and a data channel.
func realOffer(f *testing.F) string {
	f.Helper()
	m, err := rtc.NewMediaEngine()
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

// FuzzHandleSignal feeds untrusted offers and candidates from the sharer
// (relayed by the service) to one viewer: nothing may panic, and a refused
// message must leave the viewer usable.
func FuzzHandleSignal(f *testing.F) {
	f.Add(true, realOffer(f))
	f.Add(true, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
	f.Add(false, "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host")
	f.Add(false, "candidate:1 1 tcp 1 ::1 9 typ srflx raddr 0.0.0.0 rport 0 tcptype passive")
	f.Add(true, "")
	v, err := New(Config{Signal: func(wire.Envelope) error { return nil }})
	if err != nil {
		f.Fatalf("New() = %v", err)
	}
	f.Cleanup(func() { _ = v.Close() })
	f.Fuzz(func(t *testing.T, offer bool, s string) {
		env := wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: s}}
		if offer {
			env = wire.Envelope{Type: wire.TypeOffer, SDP: s}
		}
		if env.Validate() != nil {
			return // the signalling client drops these before they get here
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = v.HandleSignal(context.Background(), env) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("HandleSignal(offer %v, %q) still running after 5 s\n%s", offer, s, buf[:runtime.Stack(buf, true)])
		}
		if v.q.Closed() {
			t.Fatal("viewer closed by a signalling message")
		}
	})
}
