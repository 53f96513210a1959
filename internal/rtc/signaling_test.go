package rtc

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// side is one real pion PeerConnection with its Loop and Signaling, as a
// peer builds them. What Signal sends lands in out; states in states.
type side struct {
	pc     *webrtc.PeerConnection
	loop   *Loop
	sig    *Signaling
	out    chan wire.Envelope
	states chan State
	wg     sync.WaitGroup
}

// newSide builds a side; run says whether its loop runs (a side whose loop
// does not run shows what waits on it).
func newSide(t testing.TB, role Role, run bool) *side {
	t.Helper()
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatalf("NewPeerConnection() = %v", err)
	}
	sd := &side{pc: pc, loop: NewLoop(64, ErrClosed), out: make(chan wire.Envelope, 256), states: make(chan State, 64)}
	sd.sig, err = NewSignaling(SignalingConfig{
		Role: role, PC: pc, Loop: sd.loop,
		Signal: func(env wire.Envelope) error {
			select {
			case sd.out <- env:
				return nil
			default:
				return errors.New("test signal queue full")
			}
		},
		OnState: func(_, cur State) {
			select {
			case sd.states <- cur:
			default:
			}
		},
	})
	if err != nil {
		_ = pc.Close()
		t.Fatalf("NewSignaling() = %v", err)
	}
	if run {
		sd.wg.Add(1)
		go func() { defer sd.wg.Done(); sd.loop.Run() }()
	}
	t.Cleanup(func() { _ = sd.sig.Close(sd.wg.Wait) })
	return sd
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// relay carries from's messages to to.HandleSignal. The first description
// is held back until the candidate after it has been delivered, so the
// receiving side must buffer that candidate; held reports the number of
// candidates the receiver kept at that moment. Description errors fail the
// test; candidate errors are counted in candErrs (the last ones of an old
// ICE generation may be refused after a restart).
type relay struct {
	held     chan int
	restarts chan struct{}
	mu       sync.Mutex
	candErrs int
}

func startRelay(t *testing.T, ctx context.Context, from, to *side) *relay {
	r := &relay{held: make(chan int, 1), restarts: make(chan struct{}, 8)}
	var wg sync.WaitGroup
	wg.Add(1)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); wg.Wait() })
	go func() {
		defer wg.Done()
		var desc *wire.Envelope // held description, until one candidate passed
		first := true
		Consume(stop, from.out, func(env wire.Envelope) {
			if env.Type != wire.TypeCandidate && first {
				first = false
				desc = &env
				return
			}
			r.deliver(t, ctx, to, env)
			if desc != nil && env.Type == wire.TypeCandidate {
				var n int
				if err := to.loop.Do(ctx, func() error { n = len(to.sig.pending); return nil }); err == nil {
					r.held <- n
				}
				r.deliver(t, ctx, to, *desc)
				desc = nil
			}
		})
	}()
	return r
}

func (r *relay) deliver(t *testing.T, ctx context.Context, to *side, env wire.Envelope) {
	if env.Restart {
		r.restarts <- struct{}{}
	}
	err := to.sig.HandleSignal(ctx, env)
	switch {
	case err == nil:
	case env.Type == wire.TypeCandidate:
		r.mu.Lock()
		r.candErrs++
		r.mu.Unlock()
	case !errors.Is(err, ErrClosed):
		t.Errorf("HandleSignal(%s) = %v", env.Type, err)
	}
}

func waitState(t *testing.T, ctx context.Context, name string, sd *side, want State) {
	t.Helper()
	for {
		select {
		case s := <-sd.states:
			if s == want {
				return
			}
		case <-ctx.Done():
			t.Fatalf("%s never reached %v (now %v)", name, want, sd.sig.State())
		}
	}
}

// connectedPair connects an offerer and an answerer through relays that
// make each side buffer an early candidate.
func connectedPair(t *testing.T) (ctx context.Context, off, ans *side, toAns, toOff *relay) {
	t.Helper()
	ctx = testContext(t)
	off, ans = newSide(t, Offerer, true), newSide(t, Answerer, true)
	// Something to negotiate: the sharer's peer creates its data channels.
	if _, err := off.pc.CreateDataChannel("test", nil); err != nil {
		t.Fatalf("CreateDataChannel() = %v", err)
	}
	toAns, toOff = startRelay(t, ctx, off, ans), startRelay(t, ctx, ans, off)
	if err := off.sig.Start(ctx); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	if err := off.sig.Start(ctx); err != nil {
		t.Fatalf("second Start() = %v, want nil (no second offer)", err)
	}
	waitState(t, ctx, "offerer", off, StateConnected)
	waitState(t, ctx, "answerer", ans, StateConnected)
	return ctx, off, ans, toAns, toOff
}

func TestSignalingConnectsWithEarlyCandidates(t *testing.T) {
	_, off, ans, toAns, toOff := connectedPair(t)
	for name, r := range map[string]*relay{"answerer": toAns, "offerer": toOff} {
		select {
		case n := <-r.held:
			if n != 1 {
				t.Errorf("%s kept %d candidates before its remote description, want 1", name, n)
			}
		default:
			t.Errorf("%s got no candidate before its remote description", name)
		}
	}
	if s := off.sig.State(); s != StateConnected {
		t.Errorf("offerer State() = %v, want connected", s)
	}
	if s := ans.sig.State(); s != StateConnected {
		t.Errorf("answerer State() = %v, want connected", s)
	}
}

func TestSignalingFingerprints(t *testing.T) {
	fresh := newSide(t, Offerer, true)
	if _, _, err := fresh.sig.Fingerprints(); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Fingerprints() before connecting = %v, want ErrNotConnected", err)
	}
	_, off, ans, _, _ := connectedPair(t)
	offLocal, offRemote, err := off.sig.Fingerprints()
	if err != nil {
		t.Fatalf("offerer Fingerprints() = %v", err)
	}
	ansLocal, ansRemote, err := ans.sig.Fingerprints()
	if err != nil {
		t.Fatalf("answerer Fingerprints() = %v", err)
	}
	if len(offLocal) != 95 || len(ansLocal) != 95 {
		t.Errorf("fingerprints %q, %q; want 32 colon-separated bytes each", offLocal, ansLocal)
	}
	if offLocal == ansLocal {
		t.Errorf("both sides have fingerprint %q, want different certificates", offLocal)
	}
	if offLocal != ansRemote || ansLocal != offRemote {
		t.Errorf("offerer local/remote = %s / %s, answerer = %s / %s; want each local to be the other's remote",
			offLocal, offRemote, ansLocal, ansRemote)
	}
	// The certificate checked in the handshake is the one the SDP announced.
	if sdp := strings.ToLower(off.pc.LocalDescription().SDP); !strings.Contains(sdp, "a=fingerprint:sha-256 "+offLocal) {
		t.Errorf("offer SDP does not announce fingerprint %s", offLocal)
	}
}

func TestSignalingRestart(t *testing.T) {
	ctx, off, ans, toAns, _ := connectedPair(t)
	if err := off.sig.Restart(ctx); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	select {
	case <-toAns.restarts:
	case <-ctx.Done():
		t.Fatal("no restart offer reached the answerer")
	}
	// The restart's answer is applied on the offerer's loop; once it is,
	// the offerer has a remote description of the new generation again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var set bool
		if err := off.loop.Do(ctx, func() error { set = off.sig.remoteSet; return nil }); err != nil {
			t.Fatalf("Do() = %v", err)
		}
		if set {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("restart answer never applied")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// ICE checks the new credentials; both sides are connected again after.
	for name, sd := range map[string]*side{"offerer": off, "answerer": ans} {
		for sd.sig.State() != StateConnected {
			if time.Now().After(deadline) {
				t.Fatalf("%s State() after restart = %v, want connected", name, sd.sig.State())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestSignalingRefusesBadSignals(t *testing.T) {
	cand := &wire.ICECandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}
	tests := []struct {
		name string
		role Role
		env  wire.Envelope
	}{
		{"offerer: offer", Offerer, wire.Envelope{Type: wire.TypeOffer, SDP: "v=0"}},
		{"offerer: chat", Offerer, wire.Envelope{Type: wire.TypeChat, Text: "hi"}},
		{"offerer: answer without sdp", Offerer, wire.Envelope{Type: wire.TypeAnswer}},
		{"offerer: answer before offer", Offerer, wire.Envelope{Type: wire.TypeAnswer, SDP: "v=0"}},
		{"answerer: answer", Answerer, wire.Envelope{Type: wire.TypeAnswer, SDP: "v=0"}},
		{"answerer: offer without sdp", Answerer, wire.Envelope{Type: wire.TypeOffer}},
		{"answerer: garbage offer", Answerer, wire.Envelope{Type: wire.TypeOffer, SDP: "not sdp"}},
		{"answerer: candidate missing", Answerer, wire.Envelope{Type: wire.TypeCandidate}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sd := newSide(t, tc.role, true)
			if err := sd.sig.HandleSignal(testContext(t), tc.env); !errors.Is(err, ErrBadSignal) {
				t.Errorf("HandleSignal(%s) = %v, want ErrBadSignal", tc.name, err)
			}
		})
	}
	t.Run("candidates beyond the bound", func(t *testing.T) {
		sd := newSide(t, Answerer, true)
		ctx := testContext(t)
		for i := range MaxPendingCandidates {
			if err := sd.sig.HandleSignal(ctx, wire.Envelope{Type: wire.TypeCandidate, Candidate: cand}); err != nil {
				t.Fatalf("HandleSignal(candidate %d) = %v, want nil", i, err)
			}
		}
		if err := sd.sig.HandleSignal(ctx, wire.Envelope{Type: wire.TypeCandidate, Candidate: cand}); !errors.Is(err, ErrBadSignal) {
			t.Errorf("HandleSignal(candidate %d) = %v, want ErrBadSignal", MaxPendingCandidates, err)
		}
	})
}

func TestSignalingLifecycle(t *testing.T) {
	ctx := testContext(t)
	ans := newSide(t, Answerer, true)
	if err := ans.sig.Start(ctx); err == nil {
		t.Error("answerer Start() = nil, want an error")
	}
	off := newSide(t, Offerer, true)
	if err := off.sig.Restart(ctx); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Restart() before Start = %v, want ErrNotStarted", err)
	}
	// A loop that does not take the message: HandleSignal gives up with ctx.
	stuck := newSide(t, Answerer, false)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	env := wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}}
	if err := stuck.sig.HandleSignal(short, env); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("HandleSignal on a busy loop = %v, want context.DeadlineExceeded", err)
	}
	waited := false
	if err := off.sig.Close(func() { waited = true; off.wg.Wait() }); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if !waited {
		t.Error("Close did not wait for the owner's goroutines")
	}
	if err := off.sig.Close(nil); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	select {
	case s := <-off.states:
		if s != StateClosed {
			t.Errorf("state after Close = %v, want closed", s)
		}
	default:
		t.Error("Close did not report StateClosed")
	}
	if s := off.sig.State(); s != StateClosed {
		t.Errorf("State() after Close = %v, want closed", s)
	}
	if err := off.sig.Start(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Start() after Close = %v, want ErrClosed", err)
	}
	if err := off.sig.HandleSignal(ctx, wire.Envelope{Type: wire.TypeAnswer, SDP: "v=0"}); !errors.Is(err, ErrClosed) {
		t.Errorf("HandleSignal() after Close = %v, want ErrClosed", err)
	}
}

func TestNewSignalingValidates(t *testing.T) {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatalf("NewPeerConnection() = %v", err)
	}
	defer pc.Close()
	l := NewLoop(1, ErrClosed)
	nop := func(wire.Envelope) error { return nil }
	tests := []struct {
		name string
		cfg  SignalingConfig
	}{
		{"no pc", SignalingConfig{Loop: l, Signal: nop}},
		{"no loop", SignalingConfig{PC: pc, Signal: nop}},
		{"no signal", SignalingConfig{PC: pc, Loop: l}},
		{"unknown role", SignalingConfig{PC: pc, Loop: l, Signal: nop, Role: Role(7)}},
	}
	for _, tc := range tests {
		if _, err := NewSignaling(tc.cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewSignaling(%s) = %v, want ErrInvalidConfig", tc.name, err)
		}
	}
}

// An offer lost with a dead socket is never answered: a restart sends it
// again, with the candidates gathered for it, instead of failing; once it
// is answered, the next restart has fresh credentials.
func TestSignalingRestartAfterUnansweredOffer(t *testing.T) {
	ctx := testContext(t)
	off, ans := newSide(t, Offerer, true), newSide(t, Answerer, true)
	if _, err := off.pc.CreateDataChannel("test", nil); err != nil {
		t.Fatalf("CreateDataChannel() = %v", err)
	}
	nextOffer := func() wire.Envelope {
		t.Helper()
		for {
			select {
			case env := <-off.out:
				if env.Type == wire.TypeOffer {
					return env
				}
			case <-ctx.Done():
				t.Fatal("no offer sent")
			}
		}
	}
	ufrag := func(sdp string) string {
		for _, l := range strings.Split(sdp, "\r\n") {
			if u, ok := strings.CutPrefix(l, "a=ice-ufrag:"); ok {
				return u
			}
		}
		return ""
	}
	if err := off.sig.Start(ctx); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	first := nextOffer()
	time.Sleep(200 * time.Millisecond) // loopback candidates are gathered by now
	if err := off.sig.Restart(ctx); err != nil {
		t.Fatalf("Restart() with the offer unanswered = %v, want nil", err)
	}
	again := nextOffer()
	if !again.Restart || ufrag(again.SDP) != ufrag(first.SDP) || ufrag(first.SDP) == "" {
		t.Errorf("offer sent again: restart %v, ufrag %q; want restart with the first offer's %q", again.Restart, ufrag(again.SDP), ufrag(first.SDP))
	}
	if !strings.Contains(again.SDP, "a=candidate:") {
		t.Errorf("offer sent again carries no candidates; the trickled ones may be lost")
	}
	// The answer to the repeated offer connects; candidates travel in it.
	if err := ans.sig.HandleSignal(ctx, again); err != nil {
		t.Fatalf("answerer HandleSignal(offer) = %v", err)
	}
	var answer wire.Envelope
	for answer.Type != wire.TypeAnswer {
		select {
		case answer = <-ans.out:
		case <-ctx.Done():
			t.Fatal("no answer")
		}
	}
	if err := off.sig.HandleSignal(ctx, answer); err != nil {
		t.Fatalf("offerer HandleSignal(answer) = %v", err)
	}
	if err := off.sig.Restart(ctx); err != nil {
		t.Fatalf("Restart() after the answer = %v", err)
	}
	if fresh := nextOffer(); ufrag(fresh.SDP) == ufrag(first.SDP) {
		t.Errorf("restart after an answer kept ufrag %q, want fresh credentials", ufrag(fresh.SDP))
	}
}
