package console

import (
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// The service's messages on the controller's loop: the sharer joining,
// chat, control answers and the rest of one session's envelopes.

func (c *Controller) onEnvelope(s *session, env wire.Envelope) {
	switch env.Type {
	case wire.TypeHello:
		c.freshICE(s, env.ICEServers)
		if env.Peer {
			c.sharerJoined()
		}
	case wire.TypePeerJoined:
		if env.Role == wire.RoleSharer {
			c.sharerJoined()
			c.sharerBack(s)
		}
	case wire.TypePeerLeft:
		if env.Role == wire.RoleSharer {
			c.st.SharerPresent = false
			c.emitState()
			wait := c.cfg.ResumeWindow
			if s.sharerRestarting {
				wait = RestartWindow
			}
			if c.st.State == wire.UIStateLive || c.st.State == wire.UIStateConnecting || c.st.State == wire.UIStateReconnecting {
				c.enterReconnecting(time.Now().Add(wait))
			}
		}
	case wire.TypeAction:
		c.onActionResult(s, env)
	case wire.TypeRestarting:
		c.onSharerRestarting(s)
	case wire.TypeChat:
		c.chatLine(wire.BridgeChatLine{From: wire.RoleSharer, Text: env.Text, TS: chatTime(env.TS)})
	case wire.TypeConsent:
		if env.State == wire.StateDenied {
			reason := wire.ReasonSharerDenied
			if env.Reason == wire.ReasonConsentTimeout {
				reason = env.Reason
			}
			c.endSession(reason)
			return
		}
		if c.st.State == wire.UIStateAwaitingConsent || c.st.State == wire.UIStateWaitingSharer {
			c.st.SharerPresent = true
			c.setState(wire.UIStateConnecting)
		}
		// Sharing is allowed once per run of the sharer's program: a second
		// grant comes from a new one (it or the computer restarted).
		c.replaceViewer(s)
		c.ensureViewer(s)
	case wire.TypeOffer, wire.TypeCandidate:
		if env.Type == wire.TypeOffer && c.st.State == wire.UIStateAwaitingConsent {
			// An offer means sharing was allowed even if the consent
			// message was lost.
			c.setState(wire.UIStateConnecting)
		}
		if v := c.ensureViewer(s); v != nil {
			if err := v.HandleSignal(c.ctx, env); err != nil {
				c.log.Warn("applying the sharer's signal failed", "type", env.Type, "err", err)
			}
		}
	case wire.TypeControl:
		c.onControl(env)
	case wire.TypePause:
		c.st.Paused = true
		c.st.PauseReason = "" // only a reason the page can say
		if env.Reason == wire.ReasonSecureDesktop {
			c.st.PauseReason = env.Reason
		}
		c.emitState()
	case wire.TypeResume:
		c.st.Paused, c.st.PauseReason = false, ""
		c.emitState() // the sharer goes on from the picture the page kept
	case wire.TypeMonitors:
		c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeMonitors, Monitors: env.Monitors, Monitor: env.Monitor})
	case wire.TypeError:
		c.log.Info("the service refused a message", "reason", env.Reason)
	}
}

func chatTime(ts int64) int64 {
	if ts > 0 {
		return ts
	}
	return time.Now().UnixMilli()
}

func (c *Controller) sharerJoined() {
	c.st.SharerPresent = true
	if c.sess != nil && c.st.State == wire.UIStateWaitingSharer {
		c.sess.expiry.Stop()
	}
	switch c.st.State {
	case wire.UIStateWaitingSharer:
		c.setState(wire.UIStateAwaitingConsent)
	default:
		c.emitState()
	}
}

func (c *Controller) onControl(env wire.Envelope) {
	switch env.State {
	case wire.StateGranted:
		if c.st.Control == wire.ControlRequested {
			c.st.Control = wire.ControlGranted
			c.st.Actions = offered(env.Actions)
			c.feature(wire.FeatureControl)
		}
	case wire.StateDenied:
		if c.st.Control == wire.ControlRequested {
			c.st.Control = wire.ControlNone
			if env.Reason == wire.ReasonControlWait {
				// Asked again too soon after a refusal: the sharer was not
				// asked; the page says how long to wait.
				c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeNotice, Reason: wire.ReasonControlWait, RetryAfter: env.RetryAfter})
			} else {
				c.notice(wire.ReasonControlDenied)
			}
		}
	case wire.StateRevoked:
		if c.st.Control != wire.ControlNone {
			c.st.Control = wire.ControlNone
			if env.Reason == wire.ReasonNetworkInterrupted {
				c.notice(env.Reason) // not the sharer's choice: the path broke
			} else {
				c.notice(wire.ReasonControlRevoked)
			}
		}
	default:
		return
	}
	c.emitState()
}
