package sharer

import (
	"context"
	"fmt"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/daemon/input"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

func (s *session) onCommand(req wire.LocalRequest) error {
	switch req.Cmd {
	case wire.LocalAllow:
		return s.allow()
	case wire.LocalDeny:
		return s.deny(wire.ReasonSharerDenied)
	case wire.LocalAllowControl:
		return s.allowControl()
	case wire.LocalDenyControl:
		s.controlTimer.Stop()
		if err := s.gate.DenyControl(); err != nil {
			return refuse(wire.ReasonNotAllowed, "the helper has not asked for control")
		}
		s.backoff.refused(time.Now())
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlNone })
		s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateDenied})
	case wire.LocalRevokeControl:
		if err := s.gate.RevokeControl(); err != nil {
			return refuse(wire.ReasonNotAllowed, "the helper does not have control")
		}
		s.backoff.refused(time.Now())
		s.closeInjector()
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlNone })
		s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateRevoked})
	case wire.LocalPause:
		if err := s.gate.Pause(); err != nil {
			return refuse(wire.ReasonNotAllowed, "nothing is being shared")
		}
		s.pipe.poke()
		s.setStatus(func(st *wire.SharerStatus) { st.State = wire.SharerPaused })
		s.send(s.viewEnvelope())
	case wire.LocalResume:
		if err := s.gate.Resume(); err != nil {
			return refuse(wire.ReasonNotAllowed, "sharing is not paused")
		}
		s.pipe.poke() // the pipeline sends what changed during the pause
		if pc := s.peerConn(); pc != nil {
			s.resendCursor(pc) // held back while paused, like the video
		}
		s.setStatus(func(st *wire.SharerStatus) { st.State = wire.SharerSharing })
		s.send(s.viewEnvelope()) // still a pause while a Windows prompt holds sharing
	case wire.LocalStop:
		s.requestEnd(wire.ReasonSharerEnded)
	case cmdShutdown:
		s.shutdown()
	case cmdLeave:
		s.leave()
	case wire.LocalAllowRestart:
		return s.allowRestart()
	case wire.LocalDenyRestart:
		return s.denyRestart()
	case wire.LocalKeepSharing:
		return s.keepSharing()
	case wire.LocalChat:
		if req.Text == "" {
			return refuse(wire.ReasonBadRequest, "the message is empty")
		}
		env := wire.Envelope{Type: wire.TypeChat, Text: req.Text}
		if err := env.Validate(); err != nil {
			return refuse(wire.ReasonBadRequest, "the message is too long")
		}
		s.send(env)
	case wire.LocalReport:
		ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
		defer cancel()
		if err := s.api.Report(ctx, s.token, s.id, req.Comment); err != nil {
			s.requestEnd(wire.ReasonReported)
			return refuse(wire.ReasonFailed, fmt.Sprintf("the report could not be sent (%s); the session was stopped", client.UserMessage(err)))
		}
		s.requestEnd(wire.ReasonReported)
	default:
		return refuse(wire.ReasonBadRequest, fmt.Sprintf("unknown command %q", truncate(req.Cmd, 32)))
	}
	return nil
}

func (s *session) allow() error {
	s.consentTimer.Stop()
	if err := s.gate.AllowScreen(); err != nil {
		return refuse(wire.ReasonNotAllowed, "there is no pending request to share your screen")
	}
	src, err := s.cfg.NewSource(capture.Config{Display: s.cfg.Display, Monitor: s.cfg.Monitor, MaxFPS: s.cfg.MaxFPS, Logger: s.cfg.Logger})
	if err != nil {
		s.logger.Error("screen capture unavailable", "err", err)
		s.requestEnd(wire.ReasonError)
		return refuse(wire.ReasonFailed, "your screen cannot be captured on this system")
	}
	s.src = src
	s.monitorIdx.Store(int32(s.cfg.Monitor))
	s.refreshMonitor()
	s.overlay = s.cfg.NewOverlay(s.cfg.Display, s.monitor, s.cfg.Logger)
	// The gate tells subscribers before a change returns, so the overlay is
	// hidden before the control question reaches the sharer.
	ov := s.overlay
	s.gate.Subscribe(func(c consent.Change) { _ = ov.Hide(s.annotationsHidden(c.To)) })
	s.pipe = newPipeline(src, s.cfg.NewEncoder, s.writeFrame, s.maySend, s.cfg.MaxFPS, s.cfg.BitrateKbps, s.logger)
	s.pipe.busy = s.sendBusy
	s.workers.Add(2)
	go func() { defer s.workers.Done(); s.pipe.run(s.ctx) }()
	go func() { defer s.workers.Done(); s.cursorLoop(s.ctx) }()
	s.watchDesktop()
	s.setStatus(func(st *wire.SharerStatus) { st.State = wire.SharerSharing })
	s.startKeepSharing()
	s.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted})
	s.send(wire.Envelope{Type: wire.TypeMonitors, Monitors: s.refreshMonitor(), Monitor: s.cfg.Monitor})
	if s.helperPresent && s.peerConn() == nil {
		s.startPeer()
	}
	return nil
}

// deny refuses screen sharing; reason says whether the sharer chose to
// or the prompt went unanswered.
func (s *session) deny(reason wire.Reason) error {
	s.consentTimer.Stop()
	if err := s.gate.DenyScreen(); err != nil {
		return refuse(wire.ReasonNotAllowed, "there is no pending request to share your screen")
	}
	s.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateDenied, Reason: reason})
	s.requestEnd(reason)
	return nil
}

func (s *session) allowControl() error {
	s.controlTimer.Stop()
	if s.gate.State().Control != consent.ControlRequested {
		return refuse(wire.ReasonNotAllowed, "the helper has not asked for control")
	}
	inj, err := s.cfg.NewInjector(s.cfg.Display)
	if err != nil {
		s.logger.Error("input injection unavailable", "err", err)
		s.gate.DenyControl()
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlNone })
		s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateDenied})
		return refuse(wire.ReasonFailed, "control cannot be given on this system")
	}
	h, err := input.New(input.Config{Injector: inj, Gate: s.gate, Monitor: s.monitor, Logger: s.cfg.Logger})
	if err != nil {
		inj.Close()
		return refuse(wire.ReasonFailed, "control cannot be given on this system")
	}
	if err := s.gate.AllowControl(); err != nil {
		h.Close()
		inj.Close()
		return refuse(wire.ReasonNotAllowed, "control can only be given while your screen is shared")
	}
	s.injector = inj
	s.backoff.granted()
	s.refMu.Lock()
	s.inputH = h
	s.refMu.Unlock()
	s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlGranted })
	s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateGranted, Actions: s.offeredActions()})
	return nil
}

// closeInjector releases held input and closes the injector. The gate has
// already closed, so nothing more can be injected.
func (s *session) closeInjector() {
	s.refMu.Lock()
	h := s.inputH
	s.inputH = nil
	s.refMu.Unlock()
	if h != nil {
		h.ReleaseAll()
		h.Close()
		_, dropped, _ := h.Stats()
		s.dropped.Add(dropped)
	}
	if s.injector != nil {
		s.injector.Close()
		s.injector = nil
	}
}
