package console

import (
	"context"
	"errors"
	"time"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// This file holds one session's life on the controller's loop: code,
// service connection, sharer events, the viewer, reconnecting and the end.

func (c *Controller) createSession() {
	switch c.st.State {
	case wire.UIStateHome:
	case wire.UIStateWaitingSharer, wire.UIStateEnded:
		// A fresh code replaces one that expired or a session that ended.
		c.cancelSession()
	default:
		c.notAllowed()
		return
	}
	if c.bearer == "" {
		c.setState(wire.UIStateSignedOut)
		return
	}
	c.generation++
	gen := c.generation
	c.st.Control, c.st.Paused, c.st.SharerPresent, c.st.SAS = wire.ControlNone, false, false, ""
	c.st.PauseReason = ""
	c.chat.Reset()
	c.setState(wire.UIStateCreating)
	api, bearer, opts := c.api, c.bearer, c.cfg.Connect
	c.async(func(ctx context.Context) func() {
		res, err := api.CreateSession(ctx, bearer)
		if err != nil {
			return func() { c.createFailed(gen, err) }
		}
		// Connect outlives this call's timeout: it only bounds the dial.
		conn, err := api.Connect(c.ctx, res.SessionID, res.Token, opts)
		if err != nil {
			return func() {
				c.cancelOnService(res.SessionID)
				c.createFailed(gen, err)
			}
		}
		return func() { c.sessionReady(gen, res, conn) }
	})
}

func (c *Controller) createFailed(gen int, err error) {
	if gen != c.generation || c.st.State != wire.UIStateCreating {
		return
	}
	c.log.Info("creating a session failed", "err", err)
	if errors.Is(err, client.ErrUnauthorized) {
		c.api, c.bearer = nil, ""
		c.setState(wire.UIStateSignedOut)
		c.fail(wire.ReasonBadCredentials, "Please sign in again.")
		return
	}
	reason, msg := loginFailure(err)
	if reason == wire.ReasonBadCredentials {
		reason = wire.ReasonInternal
	}
	c.goHome()
	c.fail(reason, msg)
}

func (c *Controller) sessionReady(gen int, res wire.CreateSessionResponse, conn *client.Session) {
	if gen != c.generation || c.st.State != wire.UIStateCreating {
		// Cancelled while the code was being made.
		_ = conn.Close()
		c.cancelOnService(res.SessionID)
		return
	}
	s := &session{
		id: res.SessionID, code: res.Code, expiresAt: res.ExpiresAt,
		ice: res.ICEServers, conn: conn, features: map[string]bool{},
		icePolicy: rtc.TransportPolicy(res.ICETransportPolicy, c.forceRelay()),
	}
	s.expiry = c.q.NewTimer(func() {
		if c.sess == s && c.st.State == wire.UIStateWaitingSharer {
			c.finish(wire.ReasonExpired)
		}
	})
	s.resume = c.q.NewTimer(func() {
		if c.sess == s && c.st.State == wire.UIStateReconnecting {
			c.endSession(wire.ReasonTimeout)
		}
	})
	c.sess = s
	c.wg.Go(func() { c.pump(s, conn) })
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeSession, Code: res.Code, ExpiresAt: res.ExpiresAt.UnixMilli()})
	c.setState(wire.UIStateWaitingSharer)
	// The service ends an unused code itself; this is the fallback when its
	// message does not arrive.
	s.expiry.Reset(time.Until(res.ExpiresAt) + 5*time.Second)
}

// pump forwards one session's events to the loop until the session closes.
// It gets conn as an argument: s.conn belongs to the loop, which clears it
// in teardown, possibly before this goroutine has started.
func (c *Controller) pump(s *session, conn *client.Session) {
	for ev := range conn.Events() {
		c.post(func() {
			if c.sess == s {
				c.onSessionEvent(s, ev)
			}
		})
	}
}

func (c *Controller) onSessionEvent(s *session, ev client.Event) {
	switch ev.Kind {
	case client.EventMessage:
		c.onEnvelope(s, ev.Envelope)
	case client.EventReconnecting:
		c.enterReconnecting(ev.Deadline)
	case client.EventConnected:
		c.leaveReconnecting()
	case client.EventClosed:
		reason := ev.Reason
		switch {
		case reason != "":
		case errors.Is(ev.Err, client.ErrResumeTimeout):
			reason = wire.ReasonTimeout
		case ev.Err != nil:
			reason = wire.ReasonConnectionLost
		default:
			return // closed by us
		}
		if reason == wire.ReasonExpired && c.st.State == wire.UIStateWaitingSharer {
			reason = wire.ReasonExpired
		}
		c.finish(reason)
	}
}

func (c *Controller) onEnvelope(s *session, env wire.Envelope) {
	switch env.Type {
	case wire.TypeHello:
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
		c.emitState()
		c.requestKeyframe()
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

// ensureViewer creates the session's receiving peer on first need.
func (c *Controller) ensureViewer(s *session) *viewer.Viewer {
	if s.view != nil {
		return s.view
	}
	conn, sink := s.conn, c.cfg.Sink
	s.stateMu.Lock()
	gen := s.viewGen
	s.stateMu.Unlock()
	vcfg := viewer.Config{
		ICEServers:         s.ice,
		ICETransportPolicy: s.icePolicy,
		Signal: func(env wire.Envelope) error {
			ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
			defer cancel()
			return conn.Send(ctx, env)
		},
		OnFrame: sink.Frame,
		OnCursor: func(cur wire.Cursor) {
			sink.Event(wire.BridgeEvent{Type: wire.BridgeCursor, Cursor: &cur})
		},
		OnState: func(st rtc.State) {
			s.stateMu.Lock()
			if s.viewGen == gen {
				s.latest = st
			}
			s.stateMu.Unlock()
			c.viewState.Notify() // the loop reads the latest state
		},
		// The security code becomes known just after the connection is up.
		OnSAS:  c.viewState.Notify,
		Logger: c.cfg.Logger,
	}
	if c.cfg.ViewerSettings != nil {
		c.cfg.ViewerSettings(&vcfg)
	}
	v, err := viewer.New(vcfg)
	if err != nil {
		c.log.Error("creating the peer connection failed", "err", err)
		c.endSession(wire.ReasonError)
		return nil
	}
	s.view = v
	s.watch = c.newPathWatch(s)
	s.watch.Update(rtc.StateConnecting) // the unreachable deadline runs from the first offer
	return v
}

func (c *Controller) onViewerState() {
	s := c.sess
	if s == nil || s.view == nil {
		return
	}
	s.stateMu.Lock()
	st := s.latest
	s.stateMu.Unlock()
	// The security code of this DTLS connection, shown with the state; it
	// may arrive after the state.
	sas := ""
	if st == rtc.StateConnected {
		sas = s.view.SAS()
	}
	sasChanged := sas != c.st.SAS
	c.st.SAS = sas
	if st == s.viewState {
		if sasChanged {
			c.emitState()
		}
		return
	}
	s.viewState = st
	if s.watch != nil {
		s.watch.Update(st)
	}
	switch st {
	case rtc.StateConnected:
		if c.st.State == wire.UIStateConnecting || c.st.State == wire.UIStateReconnecting {
			c.setState(wire.UIStateLive)
			c.feature(wire.FeatureViewOnly)
		} else if sasChanged {
			c.emitState()
		}
	case rtc.StateDisconnected, rtc.StateFailed:
		if sasChanged {
			c.emitState()
		}
		if c.st.State == wire.UIStateLive || c.st.State == wire.UIStateConnecting {
			// Only the media path is down: the page says the connection
			// is poor (not lost) until it is back. Control stays through a
			// blip: the sharer revokes it (with network-interrupted) if
			// the outage lasts.
			if c.st.Network == "" {
				c.st.Network = wire.ReasonNetworkInterrupted
			}
			c.enterReconnectingKeep(time.Now().Add(c.cfg.ResumeWindow), true)
		}
	default:
		if sasChanged {
			c.emitState()
		}
	}
}

// enterReconnecting shows the reconnecting state until deadline; control
// is dropped (the sharer drops it on every reconnect too).
func (c *Controller) enterReconnecting(deadline time.Time) {
	c.enterReconnectingKeep(deadline, false)
}

// enterReconnectingKeep is enterReconnecting; keepControl leaves control
// as it is (only the media path is down: the sharer decides).
func (c *Controller) enterReconnectingKeep(deadline time.Time, keepControl bool) {
	s := c.sess
	if s == nil || s.ended {
		return
	}
	switch c.st.State {
	case wire.UIStateLive, wire.UIStateConnecting, wire.UIStateAwaitingConsent:
		s.resumeFrom = c.st.State
	case wire.UIStateReconnecting:
		if c.st.ReconnectUntil >= deadline.UnixMilli() {
			return
		}
	default:
		return // before the sharer joined nothing is shown as lost
	}
	if !keepControl {
		c.st.Control = wire.ControlNone
	}
	c.st.ReconnectUntil = deadline.UnixMilli()
	c.st.State = wire.UIStateReconnecting
	c.emitState()
	s.expiry.Stop()
	s.resume.Reset(time.Until(deadline))
}

// leaveReconnecting returns to where the session was once both the service
// connection and the peer connection are up again.
func (c *Controller) leaveReconnecting() {
	s := c.sess
	if s == nil || c.st.State != wire.UIStateReconnecting {
		return
	}
	next := s.resumeFrom
	if s.view != nil && s.viewState == rtc.StateConnected {
		next = wire.UIStateLive
	} else if next == wire.UIStateLive {
		return // wait for the peer connection
	}
	s.resume.Stop()
	c.setState(next)
}

// cancelSession withdraws a code (or leaves a session) and goes home.
func (c *Controller) cancelSession() {
	if c.sess == nil {
		if c.st.State == wire.UIStateCreating {
			c.generation++ // the pending result is discarded
			c.goHome()
		}
		return
	}
	id := c.sess.id
	c.teardown()
	c.cancelOnService(id)
	c.goHome()
}

func (c *Controller) cancelOnService(id string) {
	api, bearer := c.api, c.bearer
	if api == nil {
		return
	}
	c.async(func(ctx context.Context) func() {
		if err := api.CancelSession(ctx, bearer, id); err != nil {
			c.log.Debug("cancelling the code failed", "err", err)
		}
		return nil
	})
}

// endSession tells the service the session is over and shows why.
func (c *Controller) endSession(reason wire.Reason) {
	s := c.sess
	if s == nil || s.ended {
		return
	}
	if s.conn != nil {
		conn := s.conn
		s.conn = nil
		// The end message goes out before the connection closes.
		c.wg.Go(func() {
			ctx, cancel := context.WithTimeout(c.ctx, 3*time.Second)
			defer cancel()
			if err := conn.Send(ctx, wire.Envelope{Type: wire.TypeEnd, Reason: reason}); err != nil {
				c.log.Debug("sending end failed", "err", err)
			}
			_ = conn.Close()
		})
	}
	c.finish(reason)
}

// finish closes the session locally and shows the ended state.
func (c *Controller) finish(reason wire.Reason) {
	if c.sess == nil || c.sess.ended {
		return
	}
	c.teardown()
	c.st.Control, c.st.Paused, c.st.SharerPresent, c.st.SAS = wire.ControlNone, false, false, ""
	c.st.PauseReason = ""
	c.st.Reason = reason
	c.st.State = wire.UIStateEnded
	c.st.ReconnectUntil, c.st.Network = 0, ""
	c.emitState()
}

// teardown releases the session's resources without changing the UI state.
func (c *Controller) teardown() {
	s := c.sess
	if s == nil {
		return
	}
	s.ended = true
	c.sess = nil
	c.generation++
	s.expiry.Stop()
	s.resume.Stop()
	if s.watch != nil {
		s.watch.Stop()
	}
	if s.view != nil {
		_ = s.view.Close()
	}
	if s.conn != nil {
		conn := s.conn
		s.conn = nil
		// Close waits for the client's goroutines, which may wait for the
		// pump to take an event from a loop that is busy here: close off the loop.
		c.wg.Go(func() {
			_ = conn.Close()
		})
	}
}
