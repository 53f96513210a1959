package peer

import (
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// AbsCaptureTimeURI is the RTP header extension that carries each frame's
// capture time to the helper, so it can show glass-to-glass latency.
const AbsCaptureTimeURI = rtc.AbsCaptureTimeURI

// Defaults of the bitrate bounds handed to the congestion controller.
const (
	// 1 Mbit/s, not more: a first keyframe sent above a slow link's rate
	// overflows its queue, and the burst loss drives GCC's loss-based
	// estimate down, from where it cannot climb while random loss stays
	// above 2 % (docs/networks.md, "Slow and lossy paths").
	DefaultInitialBitrateKbps = 1000
	DefaultMinBitrateKbps     = 150
	DefaultMaxBitrateKbps     = 12000
)

// Config configures a Conn. Signal is required; everything else is optional.
type Config struct {
	// ICEServers are the STUN/TURN servers the service handed out.
	ICEServers []wire.ICEServer
	// Signal sends one offer or candidate to the helper. It is called from the
	// connection's own goroutine, never concurrently, and may block briefly.
	Signal func(wire.Envelope) error
	// OnKeyframeRequest asks the encoder for a keyframe: the helper lost a
	// frame (PLI/FIR), a frame was dropped here, or the helper just connected.
	OnKeyframeRequest func()
	// OnBitrate reports the congestion controller's target in kbit/s.
	OnBitrate func(kbps int)
	// OnMaxFPS reports the helper's frame-rate limit (0: none): its page
	// decodes no more frames a second (rtc.MaxFPSPacket). Called on the
	// RTCP reader; it must not block.
	OnMaxFPS func(fps int)
	// OnData delivers one message from the helper on the input, pointer or
	// annotate channel, raw and undecoded. Calls are serialised; a slow
	// OnData backs up the reliable channels and drops pointer moves.
	OnData func(channel string, msg []byte)
	// OnState reports connection state changes.
	OnState func(rtc.State)
	// Logger; nil discards.
	Logger *slog.Logger
	// Codec is "vp8" (the default and the only one so far).
	Codec string
	// SettingEngine, if set, adjusts pion's setting engine (tests use it
	// for loopback candidates and short ICE timeouts).
	SettingEngine func(*webrtc.SettingEngine)
	// ICETransportPolicy forces relay-only ICE when set to
	// webrtc.ICETransportPolicyRelay; the zero value allows all.
	ICETransportPolicy webrtc.ICETransportPolicy
	// Bitrate bounds of the congestion controller in kbit/s; 0 means default.
	InitialBitrateKbps, MinBitrateKbps, MaxBitrateKbps int
}

func (c *Config) validate() error {
	if c.Signal == nil {
		return fmt.Errorf("%w: Signal is required", rtc.ErrInvalidConfig)
	}
	if c.Codec == "" {
		c.Codec = "vp8"
	}
	if strings.ToLower(c.Codec) != "vp8" {
		return fmt.Errorf("%w: codec %q not supported", rtc.ErrInvalidConfig, c.Codec)
	}
	if c.InitialBitrateKbps == 0 {
		c.InitialBitrateKbps = DefaultInitialBitrateKbps
	}
	if c.MinBitrateKbps == 0 {
		c.MinBitrateKbps = DefaultMinBitrateKbps
	}
	if c.MaxBitrateKbps == 0 {
		c.MaxBitrateKbps = DefaultMaxBitrateKbps
	}
	if c.MinBitrateKbps < 0 || c.MinBitrateKbps > c.InitialBitrateKbps || c.InitialBitrateKbps > c.MaxBitrateKbps {
		return fmt.Errorf("%w: bitrates must satisfy 0 < min <= initial <= max", rtc.ErrInvalidConfig)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// newPeerConnection builds the sending side: internal/rtc's peer
// connection with send-side GCC and TWCC header extensions added to the
// default interceptors (NACK responder, RTCP reports, stats). The
// estimator of the connection is returned through est.
func newPeerConnection(cfg *Config, est *cc.BandwidthEstimator, target *atomic.Int64) (*webrtc.PeerConnection, error) {
	return rtc.NewPeerConnection(rtc.PeerOptions{
		ICEServers: cfg.ICEServers, ICETransportPolicy: cfg.ICETransportPolicy, Logger: cfg.Logger,
		Interceptors: func(m *webrtc.MediaEngine, reg *interceptor.Registry) error {
			return addCongestionControl(cfg, m, reg, est, target)
		},
		Settings: []func(*webrtc.SettingEngine){
			// At high packet rates one transport-cc feedback packet from the
			// helper outgrows the default 1460-byte read buffer and is
			// discarded, leaving GCC blind exactly when it matters. A larger
			// buffer costs little: the sharer reads only RTCP and
			// data-channel traffic.
			func(se *webrtc.SettingEngine) { se.SetReceiveMTU(8192) },
			cfg.SettingEngine,
		},
	})
}

func addCongestionControl(cfg *Config, m *webrtc.MediaEngine, reg *interceptor.Registry, est *cc.BandwidthEstimator, target *atomic.Int64) error {
	// GCC's pacer is a no-op on purpose: pion's leaky-bucket pacer queues a
	// whole keyframe behind the target rate, adding tens of milliseconds
	// exactly when the helper waits for a picture. The encoder follows the
	// target (OnBitrate), the track writer paces at a multiple of it
	// (pace.go) and the capture loop waits for the writer (Backlog).
	ccf, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		e, err := gcc.NewSendSideBWE(
			gcc.SendSideBWEInitialBitrate(cfg.InitialBitrateKbps*1000),
			gcc.SendSideBWEMinBitrate(cfg.MinBitrateKbps*1000),
			gcc.SendSideBWEMaxBitrate(cfg.MaxBitrateKbps*1000),
			gcc.SendSideBWEPacer(gcc.NewNoOpPacer()),
			gcc.WithLoggerFactory(rtc.PionLogs(cfg.Logger)),
		)
		if err != nil {
			return nil, err
		}
		return &estimator{SendSideBWE: e, target: target}, nil
	})
	if err != nil {
		return fmt.Errorf("congestion controller: %w", err)
	}
	// Each Conn has its own API, so this fires once, synchronously inside
	// NewPeerConnection, with this connection's estimator.
	ccf.OnNewPeerConnection(func(_ string, e cc.BandwidthEstimator) { *est = e })
	reg.Add(ccf)
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, reg); err != nil {
		return fmt.Errorf("twcc: %w", err)
	}
	// Between the NACK responder (a default interceptor, added later, so
	// further from the network) and the transport-wide sequence numbers:
	// each copy of a retransmission is a packet of its own to GCC.
	reg.Add(resendTwice{})
	return nil
}

// estimator is GCC with the target the connection really uses (rate.go's
// loss rule over GCC's delay-based estimate). pion's NACK responder limits
// retransmissions to GetTargetBitrate of the estimator: GCC's own target,
// stuck at its minimum on a path with random loss, starved the
// retransmissions of a keyframe until the helper gave up on it and asked
// for another, for seconds (test/netpath TestImpairedPath).
type estimator struct {
	*gcc.SendSideBWE
	target *atomic.Int64 // bit/s
}

// GetTargetBitrate implements cc.BandwidthEstimator.
func (e *estimator) GetTargetBitrate() int { return int(e.target.Load()) }
