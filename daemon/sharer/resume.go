package sharer

import (
	"context"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Resume takes up the session of the resume ticket a previous daemon left
// (it crashed or was killed, or the computer restarted), if there is a
// usable one: the session is joined again with the screen question
// pending (the status says Resumed) and nothing is shown before the
// sharer allows again; control starts over. It returns whether a session
// was resumed. The ticket is used up either way, and a restart's
// autostart entry is removed.
func (d *Daemon) Resume(ctx context.Context) (bool, error) {
	if err := d.cfg.Autostart.Disable(); err != nil {
		d.logger.Warn("autostart entry not removed", "err", err)
	}
	t, err := takeTicket(d.cfg.StateDir, d.cfg.ResumeKey, time.Now())
	if err != nil {
		if err != errNoTicket { // there was one, refused: say why
			d.logger.Info("no session to resume", "why", err)
		}
		return false, nil
	}
	if d.cfg.AllowServer != nil {
		if err := d.cfg.AllowServer(t.Server); err != nil {
			return false, refuse(wire.ReasonMachinePolicy, err.Error())
		}
	}
	if d.cfg.AllowHelper != nil {
		if err := d.cfg.AllowHelper(t.Helper); err != nil {
			return false, refuse(wire.ReasonMachinePolicy, err.Error())
		}
	}
	if !d.reserve() {
		return false, refuse(wire.ReasonSessionBusy, "a session is already in progress")
	}
	api, err := newAPI(d, t.Server)
	var s *session
	if err == nil {
		jr := wire.JoinResponse{SessionID: t.SessionID, Token: t.Token, Helper: t.Helper, ICEServers: t.ICEServers, ICETransportPolicy: t.ICEPolicy}
		s, err = openSession(ctx, d, api, t.Server, jr, true)
	}
	d.settle(s)
	if err != nil {
		d.logger.Info("the previous session could not be resumed", "err", err)
		return false, err
	}
	d.logger.Info("resumed the previous session; asking the sharer again", "after_restart", t.Restart)
	return true, nil
}

// DropResumeTicket forgets a session a previous daemon left, for a daemon
// that joins a new one instead.
func (d *Daemon) DropResumeTicket() {
	dropTicket(d.cfg.StateDir, d.cfg.ResumeKey)
	_ = d.cfg.Autostart.Disable()
}
