package sharer

import (
	"context"
	"os"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Quick actions: the helper names one (wire.TypeAction) while they have
// control; the daemon runs its own command (daemon/actions). Restart is
// put to the sharer first, then leaves the session to the next daemon:
// resume ticket, autostart entry, "restarting" to the service, and the
// system's restart.

// cmdShutdown is the loop's own command when the daemon stops: it ends
// the session, or leaves it to the next daemon while restarting. It is not
// a local API command (Daemon.Do passes only those).
const cmdShutdown = "\x00shutdown"

// cmdLeave is the loop's own command when the daemon is stopped from
// outside (an update, the service manager): the session is left to the
// next daemon (ticket kept, no end), as after a crash.
const cmdLeave = "\x00leave"

// actionsTimeout bounds asking the system what it offers and the restart
// call.
const actionsTimeout = 3 * time.Second

// offeredActions lists the quick actions to announce with control granted.
func (s *session) offeredActions() []string {
	ctx, cancel := context.WithTimeout(s.ctx, actionsTimeout)
	defer cancel()
	return s.cfg.Actions.Available(ctx)
}

func (s *session) actionResult(name, state string) {
	s.send(wire.Envelope{Type: wire.TypeAction, Action: name, State: state})
}

// onAction runs a quick action the helper asked for. Nothing runs unless
// the helper has control now (granted and not paused).
func (s *session) onAction(name string) {
	if !s.gate.MayInject() || s.restarting {
		s.actionResult(name, wire.ActionDenied)
		return
	}
	switch name {
	case wire.ActionTaskManager:
		if err := s.cfg.Actions.StartTaskManager(); err != nil {
			s.logger.Info("task manager not started", "err", err)
			s.actionResult(name, wire.ActionFailed)
			return
		}
		s.actionResult(name, wire.ActionStarted)
	case wire.ActionRestart:
		s.askRestart()
	default:
		s.actionResult(name, wire.ActionDenied)
	}
}

// askRestart puts the helper's restart to the sharer; an unanswered
// question counts as no after the consent timeout.
func (s *session) askRestart() {
	if s.restartTimer.Active() {
		return // already asked
	}
	until := time.Now().Add(s.cfg.ConsentTimeout).UnixMilli()
	s.restartTimer.Reset(s.cfg.ConsentTimeout)
	s.setStatus(func(st *wire.SharerStatus) { st.RestartUntil = until })
	s.d.events.publish(wire.LocalEvent{Type: wire.EventRestartRequest, Status: ptr(s.status())})
	s.actionResult(wire.ActionRestart, wire.ActionAsked)
}

// denyRestart answers no (the sharer, or the timeout).
func (s *session) denyRestart() error {
	if !s.restartTimer.Stop() && s.status().RestartUntil == 0 {
		return refuse(wire.ReasonNotAllowed, "nothing asks to restart the computer")
	}
	s.setStatus(func(st *wire.SharerStatus) { st.RestartUntil = 0 })
	s.actionResult(wire.ActionRestart, wire.ActionDenied)
	return nil
}

// allowRestart answers yes: the ticket and the autostart entry are
// written, the service and the helper are told, control ends, and the
// system is asked to restart.
func (s *session) allowRestart() error {
	if !s.restartTimer.Stop() {
		return refuse(wire.ReasonNotAllowed, "nothing asks to restart the computer")
	}
	s.setStatus(func(st *wire.SharerStatus) { st.RestartUntil = 0 })
	if !s.gate.MayInject() {
		s.actionResult(wire.ActionRestart, wire.ActionDenied)
		return refuse(wire.ReasonNotAllowed, "the helper no longer has control")
	}
	exe := s.cfg.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			s.actionResult(wire.ActionRestart, wire.ActionFailed)
			return refuse(wire.ReasonFailed, "QuickHelp cannot find its own program to start after the restart")
		}
	}
	if err := writeTicket(s.cfg.StateDir, s.cfg.ResumeKey, s.ticket(true)); err != nil {
		s.logger.Error("resume ticket not written", "err", err)
		s.actionResult(wire.ActionRestart, wire.ActionFailed)
		return refuse(wire.ReasonFailed, "the session could not be kept for after the restart")
	}
	if err := s.cfg.Autostart.Enable(exe, s.cfg.ResumeArgs); err != nil {
		s.logger.Error("autostart entry not written", "err", err)
		s.refreshTicket()
		s.actionResult(wire.ActionRestart, wire.ActionFailed)
		return refuse(wire.ReasonFailed, "QuickHelp cannot arrange to start again after the restart")
	}
	s.restarting = true
	s.ticketTimer.Stop()
	// Control is never carried over a restart.
	s.dropControl()
	s.setStatus(func(st *wire.SharerStatus) { st.State = wire.SharerRestarting })
	s.send(wire.Envelope{Type: wire.TypeRestarting})
	s.actionResult(wire.ActionRestart, wire.ActionStarted)
	s.logger.Info("restarting the computer; the session resumes after the next sign-in")
	actions := s.cfg.Actions
	s.workers.Go(func() {
		ctx, cancel := context.WithTimeout(s.ctx, actionsTimeout*3)
		defer cancel()
		err := actions.Reboot(ctx)
		s.q.TryPost(func() { s.rebootAnswered(err) })
	})
	return nil
}

// rebootAnswered: the system took the restart (the daemon waits to be
// stopped) or refused it (the session goes on as before).
func (s *session) rebootAnswered(err error) {
	if err == nil || !s.restarting {
		return
	}
	s.logger.Warn("the system did not restart", "err", err)
	s.restarting = false
	_ = s.cfg.Autostart.Disable()
	s.refreshTicket()
	state := wire.SharerSharing
	if s.gate.State().Paused {
		state = wire.SharerPaused
	}
	s.setStatus(func(st *wire.SharerStatus) { st.State = state })
	s.actionResult(wire.ActionRestart, wire.ActionFailed)
}

// ticket is what a later daemon needs to take this session up again.
func (s *session) ticket(restart bool) resumeTicket {
	return resumeTicket{
		V: ticketVersion, Server: s.server, SessionID: s.id, Token: s.token, Helper: s.helper,
		ICEServers: s.ice, ICEPolicy: s.iceName, Machine: machineBinding(s.id),
		Until: time.Now().Add(ticketLife).UnixMilli(), Restart: restart,
	}
}

// refreshTicket rewrites the resume ticket and arms the next refresh.
func (s *session) refreshTicket() {
	if s.restarting || s.over || s.cfg.StateDir == "" {
		return
	}
	if err := writeTicket(s.cfg.StateDir, s.cfg.ResumeKey, s.ticket(false)); err != nil {
		s.logger.Warn("resume ticket not written: a restarted daemon cannot resume this session", "err", err)
	}
	s.ticketTimer.Reset(ticketRefresh)
}

// shutdown is cmdShutdown: the daemon is stopping.
func (s *session) shutdown() {
	if s.restarting {
		s.over, s.endReason = true, wire.ReasonSharerEnded
		return
	}
	s.requestEnd(wire.ReasonSharerEnded)
}

// leave is cmdLeave: the daemon is stopped from outside and the session
// is left to the next daemon. The ticket is written once more; where it
// cannot be, the session ends as for a stop. The service sees the socket
// close without an end and holds the session for its resume window (a
// restart already announced keeps its longer window); control ends here
// and the next daemon asks the sharer again before anything is shown.
func (s *session) leave() {
	if s.restarting {
		s.over, s.endReason = true, wire.ReasonSharerEnded
		return
	}
	if s.cfg.StateDir == "" {
		s.requestEnd(wire.ReasonSharerEnded)
		return
	}
	if err := writeTicket(s.cfg.StateDir, s.cfg.ResumeKey, s.ticket(false)); err != nil {
		s.logger.Warn("resume ticket not written: ending the session instead of leaving it", "err", err)
		s.requestEnd(wire.ReasonSharerEnded)
		return
	}
	s.leaving = true
	s.ticketTimer.Stop()
	s.logger.Info("stopped from outside; the session is left for the next daemon to resume")
	s.over, s.endReason = true, wire.ReasonSharerEnded
}
