package console

import (
	"context"
	"time"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// The session's receiving peer on the controller's loop: created on first
// need, its states, and the reconnecting state shared with the service
// connection.

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
