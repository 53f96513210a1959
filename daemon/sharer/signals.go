package sharer

import (
	"time"

	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

func (s *session) onSignal(ev client.Event) (reason wire.Reason, over bool) {
	switch ev.Kind {
	case client.EventReconnecting:
		// Any reconnect drops back to view-only, at once.
		s.dropControlFor(wire.ReasonNetworkInterrupted)
		return "", false
	case client.EventConnected:
		s.resendRevoke()
		s.socketBack = s.peerConn() != nil
		return "", false
	case client.EventClosed:
		if ev.Reason == "" {
			return wire.ReasonError, true
		}
		return ev.Reason, true
	case client.EventMessage:
	default:
		return "", false
	}
	env := &ev.Envelope
	switch env.Type {
	case wire.TypeHello:
		if len(env.ICEServers) > 0 {
			s.ice = env.ICEServers // a new peer gathers through this node's relay
		}
		if env.Peer != s.helperPresent {
			s.setHelperPresent(env.Peer)
		}
		s.dropControl()
		if s.socketBack {
			s.socketBack = false
			s.onSocketBack(env.ICEServers)
		}
	case wire.TypePeerJoined:
		s.setHelperPresent(true)
	case wire.TypePeerLeft:
		s.dropControl()
		s.setHelperPresent(false)
	case wire.TypeAnswer, wire.TypeCandidate:
		if pc := s.peerConn(); pc != nil {
			if err := pc.HandleSignal(s.ctx, *env); err != nil {
				s.logger.Warn("signal refused", "type", env.Type, "err", err)
			}
		}
	case wire.TypeControlRequest:
		if wait := s.backoff.wait(time.Now()); wait > 0 && s.gate.State().Control == consent.ControlNone {
			// Too soon after a refusal: not put to the sharer.
			s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateDenied, Reason: wire.ReasonControlWait, RetryAfter: wait})
			return "", false
		}
		if err := s.gate.RequestControl(); err != nil {
			s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateDenied})
			return "", false
		}
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlRequested })
		s.d.events.publish(wire.LocalEvent{Type: wire.EventControlRequest, Status: ptr(s.status())})
		s.controlTimer.Reset(s.cfg.ConsentTimeout)
	case wire.TypeControl:
		if env.State == wire.StateReleased {
			s.dropControl()
		}
	case wire.TypeICERestart:
		// The helper's path has been down for a while.
		s.restartICE("helper asked")
	case wire.TypeSwitchMonitor:
		if s.src != nil {
			if err := s.src.SetMonitor(env.Monitor); err == nil {
				s.monitorIdx.Store(int32(env.Monitor))
				s.send(wire.Envelope{Type: wire.TypeMonitors, Monitors: s.refreshMonitor(), Monitor: env.Monitor})
			}
		}
	case wire.TypeAction:
		if env.State == "" { // a request; the helper's own states are ignored
			s.onAction(env.Action)
		}
	case wire.TypeChat:
		s.d.events.publish(wire.LocalEvent{Type: wire.EventChat, Text: env.Text, From: wire.RoleHelper, TS: env.TS})
	case wire.TypeSessionEnded:
		return env.Reason, true
	}
	return "", false
}

func (s *session) setHelperPresent(on bool) {
	was := s.helperPresent
	s.helperPresent = on
	if !on {
		s.closePeer()
		s.setStatus(func(st *wire.SharerStatus) { st.Connected, st.SAS = false, "" })
		return
	}
	// The helper (re)appeared: its new viewer needs a new offer.
	if (!was || s.peerConn() == nil) && s.gate.State().Screen == consent.ScreenGranted {
		s.startPeer()
	}
}

// dropControl returns to view-only (reconnect, helper left or released).
func (s *session) dropControl() { s.dropControlFor("") }

// dropControlFor is dropControl telling the helper why.
func (s *session) dropControlFor(reason wire.Reason) {
	s.controlTimer.Stop()
	had := s.gate.State().Control
	if err := s.gate.Reconnected(); err != nil {
		return
	}
	s.closeInjector()
	if had != consent.ControlNone {
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlNone })
		if had == consent.ControlGranted {
			s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateRevoked, Reason: reason})
			// Sent into a broken network it may be lost: said again once
			// the path or the socket is back (resendRevoke).
			s.revokeUnsure = reason == wire.ReasonNetworkInterrupted
		}
	}
}
