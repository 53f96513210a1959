package viewer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// Queue sizes: eventQueue holds pion callbacks for the viewer's goroutine
// (pion waits when full); cursorQueue holds cursor messages for OnCursor
// (dropped and counted when full: a newer position follows);
// candidates that arrive before the offer are bounded by
// rtc.MaxPendingCandidates.
const (
	eventQueue  = 64
	cursorQueue = 64
)

// Viewer is the helper's side of one session's peer connection.
type Viewer struct {
	cfg Config
	log *slog.Logger
	pc  *webrtc.PeerConnection
	st  *meter

	q       *rtc.Loop       // runs pion callbacks and public calls on one goroutine
	sig     *rtc.Signaling  // offer/answer, trickle ICE and the state, on q
	sas     *rtc.Commitment // the sharer's commitment and, once revealed, its nonce
	cursorQ chan []byte
	wg      sync.WaitGroup
	ssrc    atomic.Uint32 // remote video SSRC, 0 before the track arrives
	lastPLI atomic.Int64  // unix nanoseconds of the last automatic PLI

	cursorBad, cursorDropped, keyRequests atomic.Uint64

	mu    sync.Mutex // guards chans
	chans map[string]*webrtc.DataChannel

	// Owned by the loop goroutine.
	haveTrack bool
}

// New validates cfg and prepares the receiving peer connection. It waits
// for the sharer's offer (HandleSignal).
func New(cfg Config) (*Viewer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	// The receiving side: the default interceptors generate NACKs,
	// receiver reports and the TWCC feedback the sharer's congestion
	// control runs on.
	pc, err := rtc.NewPeerConnection(rtc.PeerOptions{
		ICEServers: cfg.ICEServers, ICETransportPolicy: cfg.ICETransportPolicy,
		Logger: cfg.Logger, Settings: []func(*webrtc.SettingEngine){cfg.SettingEngine},
		Defaults: []webrtc.InterceptorOption{webrtc.WithNackGeneratorOptions(nack.GeneratorInterval(nackInterval))},
	})
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	v := &Viewer{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "viewer"),
		pc:      pc,
		st:      newMeter(),
		q:       rtc.NewLoop(eventQueue, rtc.ErrClosed),
		sas:     new(rtc.Commitment),
		cursorQ: make(chan []byte, cursorQueue),
		chans:   map[string]*webrtc.DataChannel{},
	}
	v.sig, err = rtc.NewSignaling(rtc.SignalingConfig{
		Role: rtc.Answerer, PC: pc, Loop: v.q, Signal: cfg.Signal, OnState: v.onState, Logger: v.log,
	})
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	v.setup()
	v.wg.Go(v.q.Run)
	v.wg.Go(v.cursorLoop)
	return v, nil
}

func (v *Viewer) setup() {
	v.pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		v.q.Post(func() { v.startTrack(t, r) })
	})
	// Registering handlers is not work: it must happen before pion starts
	// the channel's reader, or the first messages (a cursor shape) are lost.
	v.pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		label := dc.Label()
		switch label {
		case wire.ChannelInput, wire.ChannelPointer, wire.ChannelAnnotate, wire.ChannelCursor:
		case wire.ChannelSAS:
			dc.OnMessage(func(m webrtc.DataChannelMessage) { v.acceptReveal(m.Data) })
			return
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

// onState runs on the loop goroutine after each state change.
func (v *Viewer) onState(_, cur rtc.State) {
	if v.cfg.OnState != nil {
		v.cfg.OnState(cur)
	}
}

// HandleSignal applies an offer (first or ICE restart; the answer goes out
// through Config.Signal) or a remote candidate. Candidates that arrive
// before the first offer are kept until it is applied. It returns
// rtc.ErrBadSignal (wrapped) for a message that cannot be applied and
// ctx's error when ctx ends first.
func (v *Viewer) HandleSignal(ctx context.Context, env wire.Envelope) error {
	if env.Type == wire.TypeOffer && env.SDP != "" {
		// The nonce is revealed only after DTLS is up, hence after this.
		v.sas.SetCommit(env.SASCommit)
	}
	return v.sig.HandleSignal(ctx, env)
}

// acceptReveal checks the sharer's security code nonce against the
// commitment of its offer; runs on pion's reader goroutine.
func (v *Viewer) acceptReveal(b []byte) {
	if err := v.sas.Accept(b); err != nil {
		v.log.Warn("security code nonce refused", "err", err)
		return
	}
	if v.cfg.OnSAS != nil {
		v.cfg.OnSAS()
	}
}

// UpdateICEServers uses servers from the next ICE restart on (the node the
// helper's socket reached after a reconnect); relayGone asks for a restart
// (see rtc.Signaling.UpdateICEServers).
func (v *Viewer) UpdateICEServers(ctx context.Context, servers []wire.ICEServer) (relayGone bool, err error) {
	return v.sig.UpdateICEServers(ctx, servers)
}

// Fingerprints returns the SHA-256 fingerprints of the local and the
// sharer's DTLS certificates once connected (see rtc.Signaling.Fingerprints).
func (v *Viewer) Fingerprints() (local, remote string, err error) { return v.sig.Fingerprints() }

// Close tears the connection down and waits for its goroutines. It must
// not be called from inside a Config callback (use `go v.Close()` there).
func (v *Viewer) Close() error {
	if err := v.sig.Close(v.wg.Wait); err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	return nil
}

// SAS returns the security code of the current DTLS connection (see
// rtc.SAS), or "" while there is none or the sharer's nonce has not
// arrived (Config.OnSAS says when it has).
func (v *Viewer) SAS() string { return v.sig.SAS(v.sas) }
