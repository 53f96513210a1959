package viewer

import (
	"fmt"
	"log/slog"

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
	// OnSAS, if set, is called from a pion goroutine when the sharer's
	// security code nonce has arrived and checked out: from then on SAS
	// returns the code. It must not block.
	OnSAS func()
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
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
