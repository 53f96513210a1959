package console

import (
	"context"
	"errors"
	"time"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// This file holds one session's life on the controller's loop: code,
// service connection, its events, and the end. The service's messages are
// in controller_messages.go, the viewer and reconnecting in
// controller_viewer.go.

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
