package rtc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// Role is a peer's side of the offer/answer exchange.
type Role int

const (
	// Offerer sends the offers (the first and ICE restarts) and applies the
	// answers: the sharer's peer.
	Offerer Role = iota
	// Answerer applies the offers and sends the answers: the helper's viewer.
	Answerer
)

// MaxPendingCandidates bounds the remote candidates kept while no remote
// description is set; further ones are refused with ErrBadSignal.
const MaxPendingCandidates = 64

// errAnswerer is returned by Start and Restart of an answerer.
var errAnswerer = errors.New("rtc: only the offerer starts negotiation")

// SignalingConfig configures a Signaling. PC, Loop and Signal are required.
type SignalingConfig struct {
	// Role says whether this side offers or answers.
	Role Role
	// PC is the peer connection. NewSignaling registers its ICE candidate,
	// connection state and DTLS transport state callbacks; the owner must
	// not replace them.
	PC *webrtc.PeerConnection
	// Loop is the peer's own loop: the callbacks only post to it, and
	// HandleSignal, Start and Restart run on it. The owner runs it; Close
	// closes it.
	Loop *Loop
	// Signal sends one description or candidate to the other side. It runs
	// on the loop goroutine, never concurrently.
	Signal func(wire.Envelope) error
	// OnState, if set, runs on the loop goroutine after each state change,
	// and once more with StateClosed from Close (after the owner's
	// goroutines ended).
	OnState func(prev, cur State)
	// Logger; nil discards.
	Logger *slog.Logger
}

// Signaling is the offer/answer and trickle-ICE half of a peer connection
// that both peers share: it sends local candidates as they are gathered,
// applies the remote description, keeps remote candidates that arrive
// before it (up to MaxPendingCandidates), and follows the connection state.
// Everything it changes is owned by the Loop's goroutine.
type Signaling struct {
	cfg     SignalingConfig
	log     *slog.Logger
	current atomic.Int32 // State, for State()

	// Owned by the loop goroutine.
	started   bool // offerer: the first offer went out
	remoteSet bool // a remote description of the current ICE generation is set
	pending   []webrtc.ICECandidateInit
	state     State
}

// NewSignaling validates cfg and registers the callbacks on cfg.PC. Nothing
// is sent until Start (offerer) or the first offer (answerer).
func NewSignaling(cfg SignalingConfig) (*Signaling, error) {
	switch {
	case cfg.PC == nil:
		return nil, fmt.Errorf("%w: PC is required", ErrInvalidConfig)
	case cfg.Loop == nil:
		return nil, fmt.Errorf("%w: Loop is required", ErrInvalidConfig)
	case cfg.Signal == nil:
		return nil, fmt.Errorf("%w: Signal is required", ErrInvalidConfig)
	case cfg.Role != Offerer && cfg.Role != Answerer:
		return nil, fmt.Errorf("%w: unknown role %d", ErrInvalidConfig, cfg.Role)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Signaling{cfg: cfg, log: cfg.Logger}
	l := cfg.Loop
	cfg.PC.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return // gathering finished; trickle needs no end marker here
		}
		init := c.ToJSON()
		l.Post(func() { s.sendCandidate(init) })
	})
	cfg.PC.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		l.Post(func() { s.setState(StateOf(st)) })
	})
	// A DTLS close_notify means the other side closed on purpose: report it
	// at once instead of waiting for ICE to time out.
	cfg.PC.SCTP().Transport().OnStateChange(func(st webrtc.DTLSTransportState) {
		if st == webrtc.DTLSTransportStateClosed {
			l.Post(func() { s.setState(StateDisconnected) })
		}
	})
	return s, nil
}

// State returns the current connection state; StateClosed once the Loop is
// closed. Any goroutine may call it.
func (s *Signaling) State() State {
	if s.cfg.Loop.Closed() {
		return StateClosed
	}
	return State(s.current.Load())
}

func (s *Signaling) setState(cur State) {
	if cur == s.state {
		return
	}
	prev := s.state
	s.state = cur
	s.current.Store(int32(cur))
	s.log.Info("connection state", "state", cur.String(), "previous", prev.String())
	if s.cfg.OnState != nil {
		s.cfg.OnState(prev, cur)
	}
}

func (s *Signaling) sendCandidate(init webrtc.ICECandidateInit) {
	if err := s.cfg.Signal(CandidateEnvelope(init)); err != nil {
		s.log.Warn("sending candidate failed", "err", err)
	}
}

// Start sends the first offer (offerer only); later calls do nothing.
// Local candidates follow as they are gathered.
func (s *Signaling) Start(ctx context.Context) error {
	if s.cfg.Role != Offerer {
		return errAnswerer
	}
	return s.cfg.Loop.Do(ctx, func() error {
		if s.started {
			return nil
		}
		if err := s.offer(false); err != nil {
			return err
		}
		s.started = true
		return nil
	})
}

// Restart performs an ICE restart (offerer only): a new offer with fresh
// credentials, sent with Envelope.Restart set. While an earlier offer is
// still unanswered, that offer is sent again instead (with the candidates
// gathered for it). It returns ErrNotStarted before Start.
func (s *Signaling) Restart(ctx context.Context) error {
	if s.cfg.Role != Offerer {
		return errAnswerer
	}
	return s.cfg.Loop.Do(ctx, func() error {
		if !s.started {
			return ErrNotStarted
		}
		return s.offer(true)
	})
}

func (s *Signaling) offer(restart bool) error {
	if restart && s.cfg.PC.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		// The last offer went unanswered (lost with a dead socket, or the
		// other side has not answered yet). pion can neither roll a local
		// offer back nor make another, so the same one goes again: pion
		// writes the candidates gathered so far into it, since the
		// trickled ones may have been lost with it.
		if p := s.cfg.PC.PendingLocalDescription(); p != nil {
			if err := s.cfg.Signal(wire.Envelope{Type: wire.TypeOffer, SDP: p.SDP, Restart: true}); err != nil {
				return fmt.Errorf("rtc: send offer: %w", err)
			}
			return nil
		}
	}
	offer, err := s.cfg.PC.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		return fmt.Errorf("rtc: create offer: %w", err)
	}
	if err := s.cfg.PC.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("rtc: set local description: %w", err)
	}
	if restart {
		// Candidates of the old generation must not be applied to the new one.
		s.remoteSet, s.pending = false, nil
	}
	if err := s.cfg.Signal(wire.Envelope{Type: wire.TypeOffer, SDP: offer.SDP, Restart: restart}); err != nil {
		return fmt.Errorf("rtc: send offer: %w", err)
	}
	return nil
}

// HandleSignal applies one message from the other side: the remote
// description (an answer for the offerer; an offer, first or ICE restart,
// for the answerer, whose answer goes out through Signal) or a remote
// candidate. It returns ErrBadSignal (wrapped) for a message that cannot be
// applied, ErrClosed after Close, and ctx's error when ctx ends before the
// loop took the message.
func (s *Signaling) HandleSignal(ctx context.Context, env wire.Envelope) error {
	switch env.Type {
	case s.remoteType():
		if env.SDP == "" {
			return fmt.Errorf("%w: %s without sdp", ErrBadSignal, env.Type)
		}
		return s.cfg.Loop.Do(ctx, func() error { return s.applyRemote(env.SDP) })
	case wire.TypeCandidate:
		if env.Candidate == nil {
			return fmt.Errorf("%w: candidate missing", ErrBadSignal)
		}
		init := CandidateInit(env.Candidate)
		return s.cfg.Loop.Do(ctx, func() error { return s.addCandidate(init) })
	default:
		return fmt.Errorf("%w: unexpected type %q", ErrBadSignal, env.Type)
	}
}

// remoteType is the description type this side receives.
func (s *Signaling) remoteType() string {
	if s.cfg.Role == Answerer {
		return wire.TypeOffer
	}
	return wire.TypeAnswer
}

func (s *Signaling) applyRemote(sdp string) error {
	typ := webrtc.SDPTypeAnswer
	if s.cfg.Role == Answerer {
		typ = webrtc.SDPTypeOffer
	}
	if err := s.cfg.PC.SetRemoteDescription(webrtc.SessionDescription{Type: typ, SDP: sdp}); err != nil {
		return fmt.Errorf("%w: set remote description: %v", ErrBadSignal, err)
	}
	s.remoteSet = true
	pending := s.pending
	s.pending = nil
	for _, c := range pending {
		if err := s.cfg.PC.AddICECandidate(c); err != nil {
			s.log.Debug("buffered candidate refused", "err", err)
		}
	}
	if s.cfg.Role == Offerer {
		return nil
	}
	ans, err := s.cfg.PC.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("rtc: create answer: %w", err)
	}
	if err := s.cfg.PC.SetLocalDescription(ans); err != nil {
		return fmt.Errorf("rtc: set local description: %w", err)
	}
	if err := s.cfg.Signal(wire.Envelope{Type: wire.TypeAnswer, SDP: ans.SDP}); err != nil {
		return fmt.Errorf("rtc: send answer: %w", err)
	}
	return nil
}

func (s *Signaling) addCandidate(init webrtc.ICECandidateInit) error {
	if !s.remoteSet {
		if len(s.pending) >= MaxPendingCandidates {
			return fmt.Errorf("%w: too many candidates before the %s", ErrBadSignal, s.remoteType())
		}
		s.pending = append(s.pending, init)
		return nil
	}
	if err := s.cfg.PC.AddICECandidate(init); err != nil {
		return fmt.Errorf("%w: add candidate: %v", ErrBadSignal, err)
	}
	return nil
}

// Close closes the Loop and the peer connection, calls wait (the owner
// waits there for its goroutines, the loop's among them) and reports
// StateClosed through OnState. Only the first call does anything. It must
// not run on the loop goroutine nor inside a callback.
func (s *Signaling) Close(wait func()) error {
	if !s.cfg.Loop.Close() {
		return nil
	}
	err := s.cfg.PC.Close()
	if wait != nil {
		wait()
	}
	// The loop goroutine has ended: this goroutine owns the state now.
	s.setState(StateClosed)
	if err != nil {
		return fmt.Errorf("rtc: close: %w", err)
	}
	return nil
}

// Fingerprints returns the SHA-256 fingerprints of this side's and the
// other side's DTLS certificates, as lowercase colon-separated hex (the
// form of an SDP a=fingerprint line). Each side's local is the other's
// remote. It returns ErrNotConnected before the DTLS handshake completed;
// OnState(StateConnected) comes after it. Any goroutine may call it.
func (s *Signaling) Fingerprints() (local, remote string, err error) {
	dt := s.cfg.PC.SCTP().Transport()
	der := dt.GetRemoteCertificate()
	if len(der) == 0 {
		return "", "", ErrNotConnected
	}
	params, err := dt.GetLocalParameters()
	if err != nil {
		return "", "", fmt.Errorf("rtc: local DTLS parameters: %w", err)
	}
	for _, f := range params.Fingerprints {
		if strings.EqualFold(f.Algorithm, "sha-256") {
			local = strings.ToLower(f.Value)
		}
	}
	if local == "" {
		return "", "", fmt.Errorf("rtc: no sha-256 fingerprint of the local certificate")
	}
	sum := sha256.Sum256(der)
	return local, colonHex(sum[:]), nil
}

func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i := range b {
		parts[i] = hex.EncodeToString(b[i : i+1])
	}
	return strings.Join(parts, ":")
}
