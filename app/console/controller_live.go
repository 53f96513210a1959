package console

import (
	"errors"
	"time"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// What the helper does in a live session: chat, control, input,
// annotations, and the stats shown to the page.

// live reports whether the peer connection is up or being repaired.
func (c *Controller) live() bool {
	return c.sess != nil && (c.st.State == wire.UIStateLive || c.st.State == wire.UIStateReconnecting)
}

func (c *Controller) sendChat(text string) {
	if c.sess == nil || c.sess.conn == nil || !c.st.SharerPresent {
		c.notAllowed()
		return
	}
	c.feature(wire.FeatureChat)
	c.signal(wire.Envelope{Type: wire.TypeChat, Text: text}, func(err error) {
		if err != nil {
			c.fail(wire.ReasonConnectionLost, "The message could not be sent.")
			return
		}
		// Echo once the service took it, so the log shows what was sent.
		c.chatLine(wire.BridgeChatLine{From: wire.RoleHelper, Text: text, TS: time.Now().UnixMilli()})
	})
}

// chatLine keeps a line of the session's chat and shows it to the page.
func (c *Controller) chatLine(line wire.BridgeChatLine) {
	c.chat.Add(line)
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeChatMsg, Chat: &line})
}

func (c *Controller) requestControl() {
	if c.st.State != wire.UIStateLive || c.st.Control != wire.ControlNone {
		c.notAllowed()
		return
	}
	c.st.Control = wire.ControlRequested
	c.emitState()
	c.signal(wire.Envelope{Type: wire.TypeControlRequest}, nil)
}

func (c *Controller) releaseControl() {
	if c.sess == nil || c.st.Control == wire.ControlNone {
		return
	}
	if c.sess.view != nil {
		_ = c.sess.view.SendInput(wire.InputEvent{T: wire.InputReleaseAll})
	}
	c.st.Control = wire.ControlNone
	c.emitState()
	c.signal(wire.Envelope{Type: wire.TypeControl, State: wire.StateReleased}, nil)
}

func (c *Controller) sendInput(ev wire.InputEvent) {
	// The sharer's consent gate is the authority; this only avoids sending
	// what it would drop anyway.
	if c.sess == nil || c.sess.view == nil || c.st.Control != wire.ControlGranted || c.st.Paused {
		return
	}
	if err := c.sess.view.SendInput(ev); err != nil && !errors.Is(err, rtc.ErrBackpressure) {
		c.log.Debug("input not sent", "err", err)
	}
}

func (c *Controller) sendAnnotation(a wire.Annotation) {
	if c.sess == nil || c.sess.view == nil || c.st.State != wire.UIStateLive {
		return
	}
	c.feature(wire.FeatureAnnotation)
	if err := c.sess.view.SendAnnotation(a); err != nil {
		c.log.Debug("annotation not sent", "err", err)
	}
}

// feature reports a used feature to the service once per session.
func (c *Controller) feature(name string) {
	if c.sess == nil || c.sess.features[name] {
		return
	}
	c.sess.features[name] = true
	c.signal(wire.Envelope{Type: wire.TypeFeature, Feature: name}, nil)
}

func (c *Controller) sendStats() {
	if c.sess == nil || c.sess.view == nil || c.st.State != wire.UIStateLive {
		return
	}
	s := c.sess.view.Stats()
	dropped := s.FramesDropped
	if c.cfg.Dropped != nil {
		dropped += c.cfg.Dropped()
	}
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeStats, Stats: &wire.BridgeStatsInfo{
		FPS:         s.FPS,
		BitrateKbps: float64(s.BitrateKbps),
		RTTMs:       s.RTTMs,
		LatencyMs:   s.LatencyMs,
		Dropped:     dropped,
	}})
}
