package viewer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// Queue sizes: eventQueue holds pion callbacks for the viewer's goroutine
// (pion waits when full); cursorQueue holds cursor messages for OnCursor
// (dropped and counted when full: a newer position follows);
// maxPendingCandidates bounds candidates that arrive before the offer.
const (
	eventQueue           = 64
	cursorQueue          = 64
	maxPendingCandidates = 64
)

// Viewer is the helper's side of one session's peer connection.
type Viewer struct {
	cfg Config
	log *slog.Logger
	pc  *webrtc.PeerConnection
	st  *meter

	q       *rtc.Loop // runs pion callbacks and public calls on one goroutine
	cursorQ chan []byte
	wg      sync.WaitGroup
	current atomic.Int32  // State, for Stats
	ssrc    atomic.Uint32 // remote video SSRC, 0 before the track arrives
	lastPLI atomic.Int64  // unix nanoseconds of the last automatic PLI

	cursorBad, cursorDropped, keyRequests atomic.Uint64

	mu    sync.Mutex // guards chans
	chans map[string]*webrtc.DataChannel

	// Owned by the loop goroutine.
	remoteSet bool
	pending   []webrtc.ICECandidateInit
	state     State
	haveTrack bool
}

// New validates cfg and prepares the receiving peer connection. It waits
// for the sharer's offer (HandleSignal).
func New(cfg Config) (*Viewer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	api, err := newAPI(&cfg)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{
		ICEServers:         rtc.ICEServers(cfg.ICEServers),
		ICETransportPolicy: cfg.ICETransportPolicy,
		BundlePolicy:       webrtc.BundlePolicyMaxBundle,
	})
	if err != nil {
		return nil, fmt.Errorf("viewer: new peer connection: %w", err)
	}
	v := &Viewer{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "viewer"),
		pc:      pc,
		st:      newMeter(),
		q:       rtc.NewLoop(eventQueue, ErrClosed),
		cursorQ: make(chan []byte, cursorQueue),
		chans:   map[string]*webrtc.DataChannel{},
	}
	v.setup()
	v.wg.Add(2)
	go func() {
		defer v.wg.Done()
		v.q.Run()
	}()
	go v.cursorLoop()
	return v, nil
}

func (v *Viewer) setup() {
	v.pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		v.q.Post(func() { v.sendCandidate(init) })
	})
	v.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		v.q.Post(func() { v.setState(rtc.StateOf(s)) })
	})
	v.pc.SCTP().Transport().OnStateChange(func(s webrtc.DTLSTransportState) {
		if s == webrtc.DTLSTransportStateClosed {
			v.q.Post(func() { v.setState(StateDisconnected) })
		}
	})
	v.pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		v.q.Post(func() { v.startTrack(t, r) })
	})
	// Registering handlers is not work: it must happen before pion starts
	// the channel's reader, or the first messages (a cursor shape) are lost.
	v.pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		label := dc.Label()
		switch label {
		case wire.ChannelInput, wire.ChannelPointer, wire.ChannelAnnotate, wire.ChannelCursor:
		default:
			v.log.Debug("unknown data channel refused")
			_ = dc.Close()
			return
		}
		v.mu.Lock()
		v.chans[label] = dc
		v.mu.Unlock()
		if label == wire.ChannelCursor {
			dc.OnMessage(func(m webrtc.DataChannelMessage) { v.enqueueCursor(m.Data) })
		}
	})
}

func (v *Viewer) setState(s State) {
	if s == v.state {
		return
	}
	prev := v.state
	v.state = s
	v.current.Store(int32(s))
	v.log.Info("connection state", "state", s.String(), "previous", prev.String())
	if v.cfg.OnState != nil {
		v.cfg.OnState(s)
	}
}

func (v *Viewer) sendCandidate(init webrtc.ICECandidateInit) {
	if err := v.cfg.Signal(rtc.CandidateEnvelope(init)); err != nil {
		v.log.Warn("sending candidate failed", "err", err)
	}
}

// HandleSignal applies an offer (first or ICE restart; the answer goes out
// through Config.Signal) or a remote candidate. Candidates that arrive
// before the first offer are kept until it is applied.
func (v *Viewer) HandleSignal(env wire.Envelope) error {
	switch env.Type {
	case wire.TypeOffer:
		if env.SDP == "" {
			return fmt.Errorf("%w: offer without sdp", ErrBadSignal)
		}
		return v.q.Do(context.Background(), func() error { return v.answer(env.SDP) })
	case wire.TypeCandidate:
		if env.Candidate == nil {
			return fmt.Errorf("%w: candidate missing", ErrBadSignal)
		}
		init := rtc.CandidateInit(env.Candidate)
		return v.q.Do(context.Background(), func() error { return v.addCandidate(init) })
	default:
		return fmt.Errorf("%w: unexpected type %q", ErrBadSignal, env.Type)
	}
}

func (v *Viewer) answer(sdp string) error {
	if err := v.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return fmt.Errorf("%w: set remote description: %v", ErrBadSignal, err)
	}
	ans, err := v.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("viewer: create answer: %w", err)
	}
	if err := v.pc.SetLocalDescription(ans); err != nil {
		return fmt.Errorf("viewer: set local description: %w", err)
	}
	if !v.remoteSet {
		v.remoteSet = true
		pending := v.pending
		v.pending = nil
		for _, c := range pending {
			if err := v.pc.AddICECandidate(c); err != nil {
				v.log.Debug("buffered candidate refused", "err", err)
			}
		}
	}
	if err := v.cfg.Signal(wire.Envelope{Type: wire.TypeAnswer, SDP: ans.SDP}); err != nil {
		return fmt.Errorf("viewer: send answer: %w", err)
	}
	return nil
}

func (v *Viewer) addCandidate(init webrtc.ICECandidateInit) error {
	if !v.remoteSet {
		if len(v.pending) >= maxPendingCandidates {
			return fmt.Errorf("%w: too many candidates before the offer", ErrBadSignal)
		}
		v.pending = append(v.pending, init)
		return nil
	}
	if err := v.pc.AddICECandidate(init); err != nil {
		return fmt.Errorf("%w: add candidate: %v", ErrBadSignal, err)
	}
	return nil
}

// Close tears the connection down and waits for its goroutines. It must
// not be called from inside a Config callback (use `go v.Close()` there).
func (v *Viewer) Close() error {
	if !v.q.Close() {
		return nil
	}
	err := v.pc.Close()
	v.wg.Wait()
	if v.cfg.OnState != nil {
		v.cfg.OnState(StateClosed)
	}
	if err != nil {
		return fmt.Errorf("viewer: close: %w", err)
	}
	return nil
}

// SAS returns the security code of the current DTLS connection (see
// rtc.SAS), or "" while there is none. The helper is the answerer.
func (v *Viewer) SAS() string {
	s, err := rtc.TransportSAS(v.pc.SCTP().Transport(), false)
	if err != nil {
		return ""
	}
	return s
}
