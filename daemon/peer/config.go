package peer

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// AbsCaptureTimeURI is the RTP header extension that carries each frame's
// capture time to the helper, so it can show glass-to-glass latency.
const AbsCaptureTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"

// Defaults of the bitrate bounds handed to the congestion controller.
const (
	DefaultInitialBitrateKbps = 2000
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
	// OnData delivers one message from the helper on the input, pointer or
	// annotate channel, raw and undecoded. Calls are serialised; a slow
	// OnData backs up the reliable channels and drops pointer moves.
	OnData func(channel string, msg []byte)
	// OnState reports connection state changes.
	OnState func(State)
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
		return fmt.Errorf("%w: Signal is required", ErrInvalidConfig)
	}
	if c.Codec == "" {
		c.Codec = "vp8"
	}
	if strings.ToLower(c.Codec) != "vp8" {
		return fmt.Errorf("%w: codec %q not supported", ErrInvalidConfig, c.Codec)
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
		return fmt.Errorf("%w: bitrates must satisfy 0 < min <= initial <= max", ErrInvalidConfig)
	}
	for _, s := range c.ICEServers {
		if len(s.URLs) == 0 {
			return fmt.Errorf("%w: ICE server without URLs", ErrInvalidConfig)
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

func iceServers(in []wire.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(in))
	for _, s := range in {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

// newAPI builds the pion API of one connection: VP8 with NACK/PLI/TWCC
// feedback, the capture-time extension, the default interceptors (NACK
// responder, RTCP reports, stats) and send-side GCC. The estimator of the
// connection is returned through est when the PeerConnection is built.
func newAPI(cfg *Config, est *cc.BandwidthEstimator) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{
		{Type: webrtc.TypeRTCPFBNACK}, {Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
		{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"}, {Type: webrtc.TypeRTCPFBTransportCC},
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb},
		PayloadType:        96,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register vp8: %w", err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: AbsCaptureTimeURI}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register abs-capture-time: %w", err)
	}
	reg := &interceptor.Registry{}
	// The pacer is a no-op on purpose: pion's leaky-bucket pacer queues a
	// whole keyframe behind the target rate, adding tens of milliseconds
	// exactly when the helper waits for a picture. The encoder follows the
	// target instead (OnBitrate), and the bounded frame queue sheds load.
	ccf, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		return gcc.NewSendSideBWE(
			gcc.SendSideBWEInitialBitrate(cfg.InitialBitrateKbps*1000),
			gcc.SendSideBWEMinBitrate(cfg.MinBitrateKbps*1000),
			gcc.SendSideBWEMaxBitrate(cfg.MaxBitrateKbps*1000),
			gcc.SendSideBWEPacer(gcc.NewNoOpPacer()),
			gcc.WithLoggerFactory(pionLogs{log: cfg.Logger}),
		)
	})
	if err != nil {
		return nil, fmt.Errorf("congestion controller: %w", err)
	}
	// Each Conn has its own API, so this fires once, synchronously inside
	// NewPeerConnection, with this connection's estimator.
	ccf.OnNewPeerConnection(func(_ string, e cc.BandwidthEstimator) { *est = e })
	reg.Add(ccf)
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, reg); err != nil {
		return nil, fmt.Errorf("twcc: %w", err)
	}
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(m, reg, webrtc.WithInterceptorLoggerFactory(pionLogs{log: cfg.Logger})); err != nil {
		return nil, fmt.Errorf("interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	// At high packet rates one transport-cc feedback packet from the helper
	// outgrows the default 1460-byte read buffer and is discarded, leaving
	// GCC blind exactly when it matters. A larger buffer costs little: the
	// sharer reads only RTCP and data-channel traffic.
	se.SetReceiveMTU(8192)
	se.LoggerFactory = pionLogs{log: cfg.Logger}
	if cfg.SettingEngine != nil {
		cfg.SettingEngine(&se)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}
