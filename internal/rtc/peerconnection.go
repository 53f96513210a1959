package rtc

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// PeerOptions configure NewPeerConnection.
type PeerOptions struct {
	// ICEServers are the STUN/TURN servers the service handed out.
	ICEServers []wire.ICEServer
	// ICETransportPolicy forces relay-only ICE when set to
	// webrtc.ICETransportPolicyRelay; the zero value allows all.
	ICETransportPolicy webrtc.ICETransportPolicy
	// Logger receives pion's logs; nil discards.
	Logger *slog.Logger
	// Interceptors, if set, registers a side's own interceptors before the
	// default ones (the sharer's congestion control).
	Interceptors func(*webrtc.MediaEngine, *interceptor.Registry) error
	// Defaults adjusts the default interceptors (the helper's NACK
	// generator interval).
	Defaults []webrtc.InterceptorOption
	// Settings adjust pion's setting engine in order: a side's own
	// settings first, then a test's. Nil entries are skipped.
	Settings []func(*webrtc.SettingEngine)
}

// NewPeerConnection builds a peer connection the way both sides need it:
// the VP8 media engine (NewMediaEngine), the side's interceptors and then
// the default ones (NACK, RTCP reports, TWCC feedback, stats), pion's logs
// through Logger, the short ICE timeouts of watch.go (Settings may change
// them), max-bundle, and the service's ICE servers. An ICE server
// without URLs is refused with ErrInvalidConfig.
func NewPeerConnection(o PeerOptions) (*webrtc.PeerConnection, error) {
	if err := CheckICEServers(o.ICEServers); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := NewMediaEngine()
	if err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if o.Interceptors != nil {
		if err := o.Interceptors(m, reg); err != nil {
			return nil, err
		}
	}
	opts := append(slices.Clone(o.Defaults), webrtc.WithInterceptorLoggerFactory(PionLogs(o.Logger)))
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(m, reg, opts...); err != nil {
		return nil, fmt.Errorf("interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.LoggerFactory = PionLogs(o.Logger)
	fastICE(&se)
	if o.ICETransportPolicy == webrtc.ICETransportPolicyRelay {
		// Relay-only: no better pair can come, so a relay pair is taken at
		// once rather than after pion's 2 s wait for one (the ICE restart
		// after a node failure counts against the 5 s of video gap).
		se.SetRelayAcceptanceMinWait(0)
	}
	for _, adjust := range o.Settings {
		if adjust != nil {
			adjust(&se)
		}
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{
		ICEServers:         ICEServers(o.ICEServers),
		ICETransportPolicy: o.ICETransportPolicy,
		BundlePolicy:       webrtc.BundlePolicyMaxBundle,
	})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	return pc, nil
}
