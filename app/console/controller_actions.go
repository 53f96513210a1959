package console

import (
	"slices"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Quick actions (Task Manager, Restart) and the sharer's restart: the
// helper names an action while in control, the sharer's daemon runs its
// own command; a restart holds the session (the service's restart window)
// until the sharer signs in again and allows sharing.

// RestartWindow is how long the page counts down while the sharer's
// computer restarts: the service's restart window.
const RestartWindow = 10 * time.Minute

// backWait is how long the page waits, once the sharer's program is back,
// for the sharer to allow sharing again (their prompt times out sooner).
const backWait = 90 * time.Second

// knownActions are the quick actions this release shows buttons for.
var knownActions = []string{wire.ActionTaskManager, wire.ActionRestart}

// offered keeps the actions of a control grant this page knows.
func offered(actions []string) []string {
	var out []string
	for _, a := range actions {
		if slices.Contains(knownActions, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func (c *Controller) quickAction(name string) {
	if c.sess == nil || c.st.Control != wire.ControlGranted || !slices.Contains(c.st.Actions, name) {
		c.notAllowed()
		return
	}
	c.signal(wire.Envelope{Type: wire.TypeAction, Action: name}, nil)
}

// onActionResult shows what became of an action the helper asked for. A
// restart the system refused leaves the session as it was (without
// control, which the restart ended).
func (c *Controller) onActionResult(s *session, env wire.Envelope) {
	if env.Action == wire.ActionRestart && env.State == wire.ActionFailed && s.sharerRestarting {
		s.sharerRestarting = false
		if c.st.Network == wire.ReasonSharerRestarting {
			c.st.Network = ""
		}
		c.emitState()
	}
	switch env.State {
	case wire.ActionDenied:
		if env.Action == wire.ActionRestart {
			c.notice(wire.ReasonRestartDenied)
		} else {
			c.notice(wire.ReasonNotAllowed)
		}
	case wire.ActionFailed:
		c.notice(wire.ReasonFailed)
	}
}

// onSharerRestarting: the sharer allowed the restart; control is over and
// the wait for their return is the restart window.
func (c *Controller) onSharerRestarting(s *session) {
	s.sharerRestarting = true
	c.st.Control = wire.ControlNone
	c.st.Network = wire.ReasonSharerRestarting
	c.emitState()
}

// sharerBack: the sharer's program connected again while the page was
// reconnecting; the wait for them to allow sharing again starts.
func (c *Controller) sharerBack(s *session) {
	if c.st.State != wire.UIStateReconnecting {
		return
	}
	until := time.Now().Add(backWait)
	c.st.ReconnectUntil = until.UnixMilli()
	s.resume.Reset(backWait)
	c.emitState()
}

// replaceViewer drops the viewer of a sharer's program that is gone (a new
// one allowed sharing again, after a restart of it or of the computer):
// the new program offers a new connection with a new security code.
func (c *Controller) replaceViewer(s *session) {
	if s.view == nil {
		return
	}
	if s.watch != nil {
		s.watch.Stop()
		s.watch = nil
	}
	s.stateMu.Lock()
	s.viewGen++
	s.latest = 0
	s.stateMu.Unlock()
	_ = s.view.Close()
	s.view, s.viewState = nil, 0
	s.sharerRestarting = false
	s.resume.Stop()
	c.st.Control, c.st.SAS, c.st.Network = wire.ControlNone, "", ""
	c.setState(wire.UIStateConnecting)
}
