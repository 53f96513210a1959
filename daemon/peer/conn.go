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
// messages waiting for OnData (reliable channels wait, pointer moves drop).
// Remote candidates that arrive before the answer are bounded by
// rtc.MaxPendingCandidates.
const (
	eventQueue = 64
	dataQueue  = 256
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

	q           *rtc.Loop       // runs pion callbacks and public calls on one goroutine
	sig         *rtc.Signaling  // offer/answer, trickle ICE and the state, on q
	sas         *rtc.Commitment // this connection's security code nonce
	keyReq      *rtc.Notifier   // coalesced keyframe requests, to OnKeyframeRequest
	rateChanged *rtc.Notifier   // coalesced bitrate changes, to OnBitrate
	data        chan dataMsg
	wg          sync.WaitGroup
	bitrate     atomic.Int64 // bit/s
	loss        lossMeter    // transport-wide feedback, for rateLoop

	framesSent, bytesSent, keyRequests, dataDropped atomic.Uint64
	paceEnd                                         atomic.Int64 // unix ns when the frame being written is paced out
	shortPath                                       atomic.Bool  // round trip under shortPathRTT (rateLoop, once a second)
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
		cfg:   cfg,
		log:   cfg.Logger.With("component", "peer"),
		queue: newFrameQueue(),
		chans: map[string]*webrtc.DataChannel{},
		q:     rtc.NewLoop(eventQueue, rtc.ErrClosed),
		data:  make(chan dataMsg, dataQueue),
	}
	c.keyReq = c.q.NewNotifier(func() {
		c.keyRequests.Add(1)
		if c.cfg.OnKeyframeRequest != nil {
			c.cfg.OnKeyframeRequest()
		}
	})
	c.rateChanged = c.q.NewNotifier(func() {
		if c.cfg.OnBitrate != nil {
			c.cfg.OnBitrate(int(c.bitrate.Load() / 1000))
		}
	})
	var err error
	c.bitrate.Store(int64(cfg.InitialBitrateKbps) * 1000)
	c.pc, err = newPeerConnection(&c.cfg, &c.est, &c.bitrate)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	if c.sas, err = rtc.NewOffererCommitment(); err != nil {
		_ = c.pc.Close()
		return nil, fmt.Errorf("peer: %w", err)
	}
	c.sig, err = rtc.NewSignaling(rtc.SignalingConfig{
		Role: rtc.Offerer, PC: c.pc, Loop: c.q, Signal: c.signal, OnState: c.onState, Logger: c.log,
	})
	if err == nil {
		err = c.setup()
	}
	if err != nil {
		_ = c.pc.Close()
		return nil, err
	}
	c.wg.Go(c.q.Run)
	c.wg.Go(c.writeLoop)
	c.wg.Go(c.dispatchLoop)
	if c.est != nil {
		c.wg.Go(c.rateLoop)
	}
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
	// The RTCP reader is started here, before Start, because interceptors
	// (NACK, reports, GCC) only see RTCP that someone reads.
	c.wg.Go(func() { c.readRTCP(sender) })
	return nil
}

func randomUint32() uint32 { return rand.Uint32() }

// onState runs on the loop goroutine after each state change.
func (c *Conn) onState(prev, cur rtc.State) {
	switch {
	case cur == rtc.StateConnected:
		c.queue.setConnected(true)
		c.keyReq.Notify()      // the helper's decoder starts from a keyframe
		c.rateChanged.Notify() // the encoder starts from the controller's current target
	case prev == rtc.StateConnected:
		c.queue.setConnected(false)
	}
	if c.cfg.OnState != nil {
		c.cfg.OnState(cur)
	}
}

// Start creates the offer and sends it through Config.Signal. Local
// candidates follow as they are gathered. Later calls do nothing.
func (c *Conn) Start(ctx context.Context) error { return c.sig.Start(ctx) }

// Restart performs an ICE restart: a new offer with fresh credentials,
// sent with Envelope.Restart set. Media resumes on the new path. It
// returns rtc.ErrNotStarted before Start.
func (c *Conn) Restart(ctx context.Context) error { return c.sig.Restart(ctx) }

// UpdateICEServers uses servers from the next ICE restart on (the node the
// session socket reached after a reconnect); see
// rtc.Signaling.UpdateICEServers for relayGone.
func (c *Conn) UpdateICEServers(ctx context.Context, servers []wire.ICEServer) (relayGone bool, err error) {
	return c.sig.UpdateICEServers(ctx, servers)
}

// HandleSignal applies an answer or a remote candidate from the helper.
// Candidates that arrive before the answer are kept until it is applied.
// It returns rtc.ErrBadSignal (wrapped) for a message that cannot be
// applied and ctx's error when ctx ends first.
func (c *Conn) HandleSignal(ctx context.Context, env wire.Envelope) error {
	return c.sig.HandleSignal(ctx, env)
}

// Fingerprints returns the SHA-256 fingerprints of the local and the
// helper's DTLS certificates once connected (see rtc.Signaling.Fingerprints).
func (c *Conn) Fingerprints() (local, remote string, err error) { return c.sig.Fingerprints() }

// readRTCP drains the sender's RTCP (the interceptors depend on it), turns
// PLI and FIR into keyframe requests and counts transport-wide feedback
// for the loss rule (rate.go).
func (c *Conn) readRTCP(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerCC:
				c.loss.add(p)
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				c.keyReq.Notify()
			case *rtcp.ApplicationDefined:
				if fps, ok := rtc.ParseMaxFPS(p); ok && c.cfg.OnMaxFPS != nil {
					c.cfg.OnMaxFPS(fps)
				}
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
		return rtc.ErrClosed
	}
	if len(data) > wire.MaxFrameBytes {
		return fmt.Errorf("%w: %d bytes", rtc.ErrFrameTooLarge, len(data))
	}
	if len(data) == 0 {
		return nil
	}
	if captured.IsZero() {
		captured = time.Now()
	}
	if c.queue.push(frame{data: data, key: keyframe, captured: captured}) {
		c.keyReq.Notify()
	}
	return nil
}

// Backlog is the number of frames queued or being paced out. A capture
// loop that waits while it is non-zero lowers the frame rate to what the
// path carries, instead of encoding frames the queue would have to drop
// (see pacer).
func (c *Conn) Backlog() int { return c.queue.backlog() }

// SendFreeIn is how long the writer will still be busy with the frames
// queued or being paced out now (0: none). A capture loop that starts the
// next frame when this is no more than its encoding time overlaps the
// encoding with the pacing of the previous frame, without letting frames
// queue up behind a slow path.
//
// Only on a short path: on a long one it reports the writer busy
// (longPathBusy) until everything is sent, so encoding does not overlap
// pacing there. With the overlap, frames followed each other back to back
// at the pace rate, 1.5 × the target, above the rate of a slow link once
// the target passes two thirds of it (TestImpairedPath, 2 Mbit/s: drops
// at its token bucket and 1.4–1.9 s without a frame in 2 of 10 runs).
func (c *Conn) SendFreeIn() time.Duration {
	n, queued := c.queue.pending()
	if n == 0 {
		return 0
	}
	short := c.shortPath.Load()
	if !short {
		return longPathBusy
	}
	d := time.Until(time.Unix(0, c.paceEnd.Load()))
	if queued > 0 {
		p := pacer{short: short}
		d += time.Duration(int64(queued) * 8 * int64(time.Second) / p.rate(c.bitrate.Load()))
	}
	return max(d, time.Millisecond) // something is still to be sent
}

// longPathBusy is what SendFreeIn reports while a long path's writer has
// anything to send: longer than any frame takes to encode.
const longPathBusy = time.Second

// writeLoop sends queued frames on the track until Close.
func (c *Conn) writeLoop() {
	rtc.Consume(c.q.Done(), c.queue.ready, func(struct{}) { c.writeQueued() })
}

func (c *Conn) writeQueued() {
	for {
		f, ok := c.queue.pop()
		if !ok {
			return
		}
		rate := c.bitrate.Load()
		c.track.pace.short = c.shortPath.Load()
		c.paceEnd.Store(c.track.pace.endOf(len(f.data), rate).UnixNano())
		n, err := c.track.writeFrame(f, rate)
		c.queue.sent()
		c.bytesSent.Add(uint64(n))
		if err != nil {
			if errors.Is(err, rtc.ErrClosed) || c.q.Closed() {
				return
			}
			c.log.Debug("writing frame failed", "err", err)
			continue
		}
		c.framesSent.Add(1)
	}
}

// Close tears the connection down and waits for its goroutines. It must
// not be called from inside a Config callback (use `go c.Close()` there).
func (c *Conn) Close() error {
	if err := c.sig.Close(c.wg.Wait); err != nil {
		return fmt.Errorf("peer: %w", err)
	}
	return nil
}

// signal sends through Config.Signal; every offer carries the commitment
// to this connection's security code nonce.
func (c *Conn) signal(env wire.Envelope) error {
	if env.Type == wire.TypeOffer {
		env.SASCommit = c.sas.Commit()
	}
	return c.cfg.Signal(env)
}

// SAS returns the security code of the current DTLS connection (see
// rtc.SAS), or "" while there is none.
func (c *Conn) SAS() string { return c.sig.SAS(c.sas) }
