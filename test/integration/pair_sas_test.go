package integration_test

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/daemon/peer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

var sasShape = regexp.MustCompile(`^[0-9]{3} [0-9]{3}$`)

// waitSAS polls until sas returns a code.
func waitSAS(ctx context.Context, t *testing.T, who string, sas func() string) string {
	t.Helper()
	for {
		if s := sas(); s != "" {
			if !sasShape.MatchString(s) {
				t.Fatalf("%s SAS() = %q, want six digits as \"ddd ddd\"", who, s)
			}
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never had a security code: %v", who, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestSASEqualDirect: sharer and helper connected directly show the same
// code, and none before the connection is up.
func TestSASEqualDirect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pr := newPair(t, pairOptions{})
	if s := pr.p.SAS(); s != "" {
		t.Errorf("peer SAS() before Start = %q, want empty", s)
	}
	if s := pr.v.SAS(); s != "" {
		t.Errorf("viewer SAS() before the offer = %q, want empty", s)
	}
	pr.connect(ctx)
	ps, vs := waitSAS(ctx, t, "peer", pr.p.SAS), waitSAS(ctx, t, "viewer", pr.v.SAS)
	if ps != vs {
		t.Fatalf("codes differ with no one in the middle: sharer %q, helper %q", ps, vs)
	}
	// A later offer with another commitment (a middle that has seen the
	// helper's certificate could pick its nonce to match) ends the code.
	_ = pr.v.HandleSignal(ctx, wire.Envelope{Type: wire.TypeOffer, SDP: "v=0", SASCommit: strings.Repeat("ab", 32)})
	if s := pr.v.SAS(); s != "" {
		t.Errorf("viewer SAS() after an offer with another commitment = %q, want empty", s)
	}
	_ = pr.p.Close()
	if s := pr.p.SAS(); s != "" {
		t.Errorf("peer SAS() after Close = %q, want empty", s)
	}
}

// TestSASDiffersWithDTLSInTheMiddle puts a relay between the real sharer
// peer and the real helper viewer that does what a malicious signalling
// service could: it answers the sharer's offer and makes its own offer to
// the helper, each with its own certificate, and bridges video and data
// channels between the two DTLS connections. Everything works through it;
// only the two codes tell.
func TestSASDiffersWithDTLSInTheMiddle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	stop := make(chan struct{})
	m := newMITM(t)
	toMITMFromSharer := make(chan wire.Envelope, 256)
	toMITMFromHelper := make(chan wire.Envelope, 256)
	frames := make(chan wire.Frame, 256)
	data := make(chan dataMsg, 64)
	pStates, vStates := make(chan rtc.State, 64), make(chan rtc.State, 64)
	p, err := peer.New(peer.Config{
		Signal:        relay(t, toMITMFromSharer, stop),
		OnData:        func(ch string, b []byte) { trySend(data, dataMsg{ch, b}) },
		OnState:       func(s rtc.State) { trySend(pStates, s) },
		SettingEngine: pairICE,
	})
	if err != nil {
		t.Fatalf("peer.New() = %v", err)
	}
	v, err := viewer.New(viewer.Config{
		Signal:        relay(t, toMITMFromHelper, stop),
		OnFrame:       func(f wire.Frame) { trySend(frames, f) },
		OnState:       func(s rtc.State) { trySend(vStates, s) },
		SettingEngine: pairICE,
	})
	if err != nil {
		_ = p.Close()
		t.Fatalf("viewer.New() = %v", err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = v.Close()
		_ = p.Close()
		close(stop)
		m.close()
		wg.Wait()
	})
	wg.Add(2)
	go func() {
		defer wg.Done()
		m.pumpSharer(t, stop, toMITMFromSharer, func(e wire.Envelope) error { return p.HandleSignal(context.Background(), e) }, func(e wire.Envelope) error { return v.HandleSignal(context.Background(), e) })
	}()
	go func() {
		defer wg.Done()
		m.pumpHelper(t, stop, toMITMFromHelper)
	}()
	if err := p.Start(ctx); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	waitState(ctx, t, "peer", pStates, rtc.StateConnected)
	waitState(ctx, t, "viewer", vStates, rtc.StateConnected)

	// The relay is a working one: input reaches the sharer, video the helper.
	// The relay's two legs open their channels independently, so a message
	// sent before both are open may be lost in it: send until one arrives.
	var msg dataMsg
	for arrived := false; !arrived; {
		err := v.SendInput(wire.InputEvent{T: wire.InputReleaseAll})
		if err != nil && !errors.Is(err, rtc.ErrChannelNotOpen) {
			t.Fatalf("SendInput(release-all) = %v", err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no release-all reached the sharer through the relay: %v", ctx.Err())
		case msg = <-data:
			arrived = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	if msg.channel != wire.ChannelInput {
		t.Fatalf("release-all arrived on %q, want %q", msg.channel, wire.ChannelInput)
	}
	src := newVP8Source(t, 64, 48, 300)
	got := false
	for i := 0; i < 100 && !got; i++ {
		b, key := src.next(true, time.Now())
		if err := p.WriteFrame(b, key, time.Now()); err != nil {
			t.Fatalf("WriteFrame() = %v", err)
		}
		select {
		case <-frames:
			got = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !got {
		t.Fatal("no video frame reached the helper through the relay")
	}

	ps, vs := waitSAS(ctx, t, "peer", p.SAS), waitSAS(ctx, t, "viewer", v.SAS)
	if ps == vs {
		t.Fatalf("sharer and helper both show %q with DTLS terminated in the middle, want different codes", ps)
	}
	// Each side's code is the one of its own leg with the relay.
	if want := m.sas(t, m.toSharer, false); ps != want {
		t.Errorf("sharer code %q, want %q (its DTLS connection is with the relay)", ps, want)
	}
	if want := m.sas(t, m.toHelper, true); vs != want {
		t.Errorf("helper code %q, want %q (its DTLS connection is with the relay)", vs, want)
	}
}

// mitm terminates DTLS twice: toSharer answers the sharer's offer, toHelper
// offers to the helper. It copies the sharer's channels and video track.
type mitm struct {
	toSharer, toHelper *webrtc.PeerConnection
	revealed           chan []byte // the sharer's nonce, as it passes

	mu     sync.Mutex                     // guards chans and commit
	chans  map[string]*webrtc.DataChannel // toHelper's channels by label
	commit string                         // the sharer's commitment, from its offer
	wg     sync.WaitGroup
}

func newMITM(t *testing.T) *mitm {
	t.Helper()
	newPC := func() *webrtc.PeerConnection {
		me, err := rtc.NewMediaEngine()
		if err != nil {
			t.Fatal(err)
		}
		se := webrtc.SettingEngine{}
		pairICE(&se)
		pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).
			NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle})
		if err != nil {
			t.Fatal(err)
		}
		return pc
	}
	m := &mitm{toSharer: newPC(), toHelper: newPC(), chans: map[string]*webrtc.DataChannel{}, revealed: make(chan []byte, 1)}
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "mitm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.toHelper.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{wire.ChannelInput, wire.ChannelPointer, wire.ChannelAnnotate, wire.ChannelCursor, wire.ChannelSAS} {
		dc, err := m.toHelper.CreateDataChannel(label, nil)
		if err != nil {
			t.Fatal(err)
		}
		m.chans[label] = dc
	}
	// Sharer → helper: RTP and channel messages are copied as they come.
	m.toSharer.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			for {
				pkt, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				if err := track.WriteRTP(pkt); err != nil && !errors.Is(err, io.ErrClosedPipe) {
					return
				}
			}
		}()
	})
	m.toSharer.OnDataChannel(func(sharerDC *webrtc.DataChannel) {
		m.mu.Lock()
		helperDC := m.chans[sharerDC.Label()]
		m.mu.Unlock()
		if helperDC == nil {
			return
		}
		if sharerDC.Label() == wire.ChannelSAS {
			// The nonce comes as soon as the sharer's leg is up, maybe
			// before the helper's: pass it on once that one is open too.
			var once sync.Once
			var got []byte
			var gotMu sync.Mutex
			pass := func() {
				gotMu.Lock()
				b := got
				gotMu.Unlock()
				if b != nil && helperDC.ReadyState() == webrtc.DataChannelStateOpen {
					once.Do(func() { _ = helperDC.Send(b) })
				}
			}
			helperDC.OnOpen(pass)
			sharerDC.OnMessage(func(msg webrtc.DataChannelMessage) {
				gotMu.Lock()
				got = append([]byte(nil), msg.Data...)
				gotMu.Unlock()
				select {
				case m.revealed <- got:
				default:
				}
				pass()
			})
			return
		}
		sharerDC.OnMessage(func(msg webrtc.DataChannelMessage) { _ = helperDC.Send(msg.Data) })
		// Helper → sharer, once the sharer's channel is open.
		sharerDC.OnOpen(func() {
			helperDC.OnMessage(func(msg webrtc.DataChannelMessage) { _ = sharerDC.Send(msg.Data) })
		})
	})
	return m
}

// pumpSharer handles what the sharer sends: its offer is answered by the
// relay (the answer goes back to the sharer) and replaced by the relay's
// own offer to the helper.
func (m *mitm) pumpSharer(t *testing.T, stop chan struct{}, in chan wire.Envelope, toSharer, toViewer func(wire.Envelope) error) {
	m.toSharer.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			_ = toSharer(rtc.CandidateEnvelope(c.ToJSON()))
		}
	})
	m.toHelper.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			_ = toViewer(rtc.CandidateEnvelope(c.ToJSON()))
		}
	})
	rtc.Consume(stop, in, func(env wire.Envelope) {
		switch env.Type {
		case wire.TypeOffer:
			if err := m.toSharer.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: env.SDP}); err != nil {
				t.Errorf("relay: set sharer's offer: %v", err)
				return
			}
			ans, err := m.toSharer.CreateAnswer(nil)
			if err == nil {
				err = m.toSharer.SetLocalDescription(ans)
			}
			if err != nil {
				t.Errorf("relay: answer the sharer: %v", err)
				return
			}
			if err := toSharer(wire.Envelope{Type: wire.TypeAnswer, SDP: ans.SDP}); err != nil {
				t.Errorf("relay: send answer to the sharer: %v", err)
			}
			offer, err := m.toHelper.CreateOffer(nil)
			if err == nil {
				err = m.toHelper.SetLocalDescription(offer)
			}
			if err != nil {
				t.Errorf("relay: offer to the helper: %v", err)
				return
			}
			// The sharer's commitment is passed on; the nonce follows on
			// the bridged sas channel, so the helper accepts it.
			m.mu.Lock()
			m.commit = env.SASCommit
			m.mu.Unlock()
			if err := toViewer(wire.Envelope{Type: wire.TypeOffer, SDP: offer.SDP, SASCommit: env.SASCommit}); err != nil {
				t.Errorf("relay: send offer to the helper: %v", err)
			}
		case wire.TypeCandidate:
			_ = m.toSharer.AddICECandidate(rtc.CandidateInit(env.Candidate))
		}
	})
}

// pumpHelper handles what the helper sends: its answer and candidates
// belong to the relay's connection with the helper.
func (m *mitm) pumpHelper(t *testing.T, stop chan struct{}, in chan wire.Envelope) {
	rtc.Consume(stop, in, func(env wire.Envelope) {
		switch env.Type {
		case wire.TypeAnswer:
			if err := m.toHelper.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: env.SDP}); err != nil {
				t.Errorf("relay: set helper's answer: %v", err)
			}
		case wire.TypeCandidate:
			_ = m.toHelper.AddICECandidate(rtc.CandidateInit(env.Candidate))
		}
	})
}

// sas is the code the relay's own leg computes.
func (m *mitm) sas(t *testing.T, pc *webrtc.PeerConnection, offerer bool) string {
	t.Helper()
	var reveal []byte
	select {
	case reveal = <-m.revealed:
		m.revealed <- reveal
	default:
		t.Fatal("the relay saw no nonce")
	}
	c := new(rtc.Commitment)
	m.mu.Lock()
	c.SetCommit(m.commit)
	m.mu.Unlock()
	if err := c.Accept(reveal); err != nil {
		t.Fatalf("the nonce that passed the relay: %v", err)
	}
	nonce, _ := c.Nonce()
	s, _ := rtc.TransportSAS(pc.SCTP().Transport(), offerer, nonce)
	return s
}

func (m *mitm) close() {
	_ = m.toSharer.Close()
	_ = m.toHelper.Close()
	m.wg.Wait()
}
