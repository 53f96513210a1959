package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// Queue sizes. eventQueue holds pion callbacks waiting for the connection's
// goroutine (pion's goroutines wait when it is full); dataQueue holds helper
// messages waiting for OnData (reliable channels wait, pointer moves drop);
// maxPendingCandidates bounds remote candidates that arrive before the answer
// (further ones are refused with ErrBadSignal).
const (
	eventQueue           = 64
	dataQueue            = 256
	maxPendingCandidates = 64
)

// Conn is the sharer's side of one session's peer connection.
type Conn struct {
	cfg    Config
	log    *slog.Logger
	pc     *webrtc.PeerConnection
	est    cc.BandwidthEstimator
	track  *videoTrack
	queue  *frameQueue
	chans  map[string]*webrtc.DataChannel // created in New, never changed
	cursor *cursorSender

	q       *rtc.Loop     // runs pion callbacks and public calls on one goroutine
	keyReq  chan struct{} // coalesced keyframe requests
	rateCh  chan struct{} // coalesced bitrate changes
	data    chan dataMsg
	wg      sync.WaitGroup
	bitrate atomic.Int64 // bit/s
	current atomic.Int32 // State, for Stats

	framesSent, bytesSent, keyRequests, dataDropped atomic.Uint64

	// Owned by the loop goroutine.
	started   bool
	remoteSet bool
	pending   []webrtc.ICECandidateInit
	state     State
}

type dataMsg struct {
	channel string
	b       []byte
}

// New validates cfg and builds the connection with its track and data
// channels. Nothing is sent before Start.
func New(cfg Config) (*Conn, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Conn{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "peer"),
		queue:  newFrameQueue(),
		chans:  map[string]*webrtc.DataChannel{},
		q:      rtc.NewLoop(eventQueue, ErrClosed),
		keyReq: make(chan struct{}, 1),
		rateCh: make(chan struct{}, 1),
		data:   make(chan dataMsg, dataQueue),
	}
	api, err := newAPI(&c.cfg, &c.est)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	c.pc, err = api.NewPeerConnection(webrtc.Configuration{
		ICEServers:         rtc.ICEServers(cfg.ICEServers),
		ICETransportPolicy: cfg.ICETransportPolicy,
		BundlePolicy:       webrtc.BundlePolicyMaxBundle,
	})
	if err != nil {
		return nil, fmt.Errorf("peer: new peer connection: %w", err)
	}
	if err := c.setup(); err != nil {
		_ = c.pc.Close()
		return nil, err
	}
	c.bitrate.Store(int64(cfg.InitialBitrateKbps) * 1000)
	c.wg.Add(3)
	go c.loop()
	go c.writeLoop()
	go c.dispatchLoop()
	return c, nil
}

func (c *Conn) setup() error {
	var err error
	if c.track, err = newVideoTrack(); err != nil {
		return fmt.Errorf("peer: track: %w", err)
	}
	sender, err := c.pc.AddTrack(c.track)
	if err != nil {
		return fmt.Errorf("peer: add track: %w", err)
	}
	if err := c.createChannels(); err != nil {
		return err
	}
	if c.est != nil {
		c.est.OnTargetBitrateChange(func(bps int) {
			c.bitrate.Store(int64(bps))
			notify(c.rateCh)
		})
	}
	c.pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return // gathering finished; trickle needs no end marker here
		}
		init := cand.ToJSON()
		c.q.Post(func() { c.sendCandidate(init) })
	})
	c.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		c.q.Post(func() { c.setState(rtc.StateOf(s)) })
	})
	// A DTLS close_notify means the helper closed on purpose: report it at
	// once instead of waiting for ICE to time out.
	c.pc.SCTP().Transport().OnStateChange(func(s webrtc.DTLSTransportState) {
		if s == webrtc.DTLSTransportStateClosed {
			c.q.Post(func() { c.setState(StateDisconnected) })
		}
	})
	// The RTCP reader is started here, before Start, because interceptors
	// (NACK, reports, GCC) only see RTCP that someone reads.
	c.wg.Add(1)
	go c.readRTCP(sender)
	return nil
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func randomUint32() uint32 { return rand.Uint32() }

func (c *Conn) loop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.q.Done():
			return
		case fn := <-c.q.Events():
			fn()
		case <-c.keyReq:
			c.keyRequests.Add(1)
			if c.cfg.OnKeyframeRequest != nil {
				c.cfg.OnKeyframeRequest()
			}
		case <-c.rateCh:
			if c.cfg.OnBitrate != nil {
				c.cfg.OnBitrate(int(c.bitrate.Load() / 1000))
			}
		}
	}
}

func (c *Conn) setState(s State) {
	if s == c.state {
		return
	}
	prev := c.state
	c.state = s
	c.current.Store(int32(s))
	c.log.Info("connection state", "state", s.String(), "previous", prev.String())
	switch {
	case s == StateConnected:
		c.queue.setConnected(true)
		notify(c.keyReq) // the helper's decoder starts from a keyframe
		notify(c.rateCh) // the encoder starts from the controller's current target
	case prev == StateConnected:
		c.queue.setConnected(false)
	}
	if c.cfg.OnState != nil {
		c.cfg.OnState(s)
	}
}

func (c *Conn) sendCandidate(init webrtc.ICECandidateInit) {
	if err := c.cfg.Signal(rtc.CandidateEnvelope(init)); err != nil {
		c.log.Warn("sending candidate failed", "err", err)
	}
}

// Start creates the offer and sends it through Config.Signal. Local
// candidates follow as they are gathered.
func (c *Conn) Start(ctx context.Context) error {
	return c.q.Do(ctx, func() error {
		if c.started {
			return nil
		}
		if err := c.offer(false); err != nil {
			return err
		}
		c.started = true
		return nil
	})
}

// Restart performs an ICE restart: a new offer with fresh credentials,
// sent with Envelope.Restart set. Media resumes on the new path.
func (c *Conn) Restart() error {
	return c.q.Do(context.Background(), func() error {
		if !c.started {
			return ErrNotStarted
		}
		return c.offer(true)
	})
}

func (c *Conn) offer(restart bool) error {
	offer, err := c.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		return fmt.Errorf("peer: create offer: %w", err)
	}
	if err := c.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("peer: set local description: %w", err)
	}
	if restart {
		// Candidates of the old generation must not be applied to the new one.
		c.remoteSet, c.pending = false, nil
	}
	if err := c.cfg.Signal(wire.Envelope{Type: wire.TypeOffer, SDP: offer.SDP, Restart: restart}); err != nil {
		return fmt.Errorf("peer: send offer: %w", err)
	}
	return nil
}

// HandleSignal applies an answer or a remote candidate from the helper.
// Candidates that arrive before the answer are kept until it is applied.
func (c *Conn) HandleSignal(env wire.Envelope) error {
	switch env.Type {
	case wire.TypeAnswer:
		if env.SDP == "" {
			return fmt.Errorf("%w: answer without sdp", ErrBadSignal)
		}
		return c.q.Do(context.Background(), func() error { return c.applyAnswer(env.SDP) })
	case wire.TypeCandidate:
		if env.Candidate == nil {
			return fmt.Errorf("%w: candidate missing", ErrBadSignal)
		}
		init := rtc.CandidateInit(env.Candidate)
		return c.q.Do(context.Background(), func() error { return c.addCandidate(init) })
	default:
		return fmt.Errorf("%w: unexpected type %q", ErrBadSignal, env.Type)
	}
}

func (c *Conn) applyAnswer(sdp string) error {
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("%w: set remote description: %v", ErrBadSignal, err)
	}
	c.remoteSet = true
	pending := c.pending
	c.pending = nil
	for _, cand := range pending {
		if err := c.pc.AddICECandidate(cand); err != nil {
			c.log.Debug("buffered candidate refused", "err", err)
		}
	}
	return nil
}

func (c *Conn) addCandidate(init webrtc.ICECandidateInit) error {
	if !c.remoteSet {
		if len(c.pending) >= maxPendingCandidates {
			return fmt.Errorf("%w: too many candidates before the answer", ErrBadSignal)
		}
		c.pending = append(c.pending, init)
		return nil
	}
	if err := c.pc.AddICECandidate(init); err != nil {
		return fmt.Errorf("%w: add candidate: %v", ErrBadSignal, err)
	}
	return nil
}

// readRTCP drains the sender's RTCP (the interceptors depend on it) and
// turns PLI and FIR into keyframe requests.
func (c *Conn) readRTCP(sender *webrtc.RTPSender) {
	defer c.wg.Done()
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				notify(c.keyReq)
			}
		}
	}
}

// WriteFrame queues one encoded VP8 frame. captured is the capture time of
// the picture: it sets the RTP timestamp and travels to the helper in the
// abs-capture-time extension. It never blocks on the network: when the queue
// of two is full the oldest non-keyframe is dropped and a keyframe requested.
// Frames written before the connection is up are discarded. data is kept
// until it is sent: the caller must not modify it afterwards.
func (c *Conn) WriteFrame(data []byte, keyframe bool, captured time.Time) error {
	if c.q.Closed() {
		return ErrClosed
	}
	if len(data) > wire.MaxFrameBytes {
		return fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, len(data))
	}
	if len(data) == 0 {
		return nil
	}
	if captured.IsZero() {
		captured = time.Now()
	}
	if c.queue.push(frame{data: data, key: keyframe, captured: captured}) {
		notify(c.keyReq)
	}
	return nil
}

func (c *Conn) writeLoop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.q.Done():
			return
		case <-c.queue.ready:
		}
		for {
			f, ok := c.queue.pop()
			if !ok {
				break
			}
			n, err := c.track.writeFrame(f)
			c.bytesSent.Add(uint64(n))
			if err != nil {
				if errors.Is(err, ErrClosed) || c.q.Closed() {
					return
				}
				c.log.Debug("writing frame failed", "err", err)
				continue
			}
			c.framesSent.Add(1)
		}
	}
}

// Close tears the connection down and waits for its goroutines. It must
// not be called from inside a Config callback (use `go c.Close()` there).
func (c *Conn) Close() error {
	if !c.q.Close() {
		return nil
	}
	err := c.pc.Close()
	c.wg.Wait()
	if c.cfg.OnState != nil {
		c.cfg.OnState(StateClosed)
	}
	if err != nil {
		return fmt.Errorf("peer: close: %w", err)
	}
	return nil
}

// SAS returns the security code of the current DTLS connection (see
// rtc.SAS), or "" while there is none. The sharer is the offerer.
func (c *Conn) SAS() string {
	s, err := rtc.TransportSAS(c.pc.SCTP().Transport(), true)
	if err != nil {
		return ""
	}
	return s
}
