package viewer

import (
	"fmt"
	"log/slog"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// Config configures a Viewer. Signal is required; everything else is optional.
type Config struct {
	// ICEServers are the STUN/TURN servers the service handed out.
	ICEServers []wire.ICEServer
	// Signal sends one answer or candidate to the sharer. It is called from
	// the viewer's own goroutine, never concurrently.
	Signal func(wire.Envelope) error
	// OnFrame receives each complete encoded frame, in order, from the media
	// goroutine. After a loss only frames from the next keyframe on arrive.
	// A slow OnFrame delays the following frames; it must not block long.
	OnFrame func(wire.Frame)
	// OnCursor receives validated cursor messages from the sharer.
	OnCursor func(wire.Cursor)
	// OnState reports connection state changes.
	OnState func(rtc.State)
	// Logger; nil discards.
	Logger *slog.Logger
	// SettingEngine, if set, adjusts pion's setting engine (tests use it).
	SettingEngine func(*webrtc.SettingEngine)
	// ICETransportPolicy forces relay-only ICE when set to
	// webrtc.ICETransportPolicyRelay.
	ICETransportPolicy webrtc.ICETransportPolicy
}

func (c *Config) validate() error {
	if c.Signal == nil {
		return fmt.Errorf("%w: Signal is required", rtc.ErrInvalidConfig)
	}
	if err := rtc.CheckICEServers(c.ICEServers); err != nil {
		return fmt.Errorf("%w: %v", rtc.ErrInvalidConfig, err)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// newAPI builds the receiving side: VP8 with NACK/PLI/FIR/TWCC feedback, the
// capture-time extension, and the default interceptors (NACK generator,
// receiver reports, TWCC feedback for the sharer's congestion control).
func newAPI(cfg *Config) (*webrtc.API, error) {
	m, err := rtc.NewMediaEngine()
	if err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(m, reg, webrtc.WithInterceptorLoggerFactory(rtc.PionLogs(cfg.Logger))); err != nil {
		return nil, fmt.Errorf("interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.LoggerFactory = rtc.PionLogs(cfg.Logger)
	if cfg.SettingEngine != nil {
		cfg.SettingEngine(&se)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}
