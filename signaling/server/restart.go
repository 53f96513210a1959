package server

import (
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// MaxRestartWindow bounds how long a session waits for a sharer whose
// computer restarts (the Restart quick action): the resume ticket the
// sharer's daemon keeps is good for as long.
const MaxRestartWindow = 10 * time.Minute

// maxRestarts bounds the restarts of one session, so a sharer's program
// cannot keep a session waiting for ever.
const maxRestarts = 3

// restarting records the sharer's restart: until the restart window
// passes, a detach of the sharer waits that long instead of the resume
// window. The helper is told (relayed), so the page can say why.
func (r *room) restarting(c *peerConn) (usageChanged bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.role != wire.RoleSharer || r.restarts >= maxRestarts {
		r.errorCodes[wire.ReasonNotAllowed] = true
		r.replyLocked(c, wire.Envelope{Type: wire.TypeError, Reason: wire.ReasonNotAllowed})
		return true
	}
	r.restarts++
	r.restartUntil = r.h.s.now().Add(r.h.s.cfg.RestartWindow)
	out := wire.Envelope{Type: wire.TypeRestarting, From: c.role}
	if peer := r.conns[wire.RoleHelper]; peer != nil {
		r.sendLocked(peer, out)
	} else if r.remote[wire.RoleHelper] != "" {
		// The helper's node runs the sharer's resume window when the
		// sharer's socket drops there: it learns the restart window too.
		if b := r.encodeLocked(out); b != nil {
			r.publishLocked(nodeEvent{Kind: nodeMsg, Role: wire.RoleHelper, Env: b, RestartUntil: r.restartUntil.UnixMilli()})
		}
	}
	return false
}

// remoteRestartingLocked: the sharer, connected to another node, said its
// computer restarts; bounded by this node's own restart window.
func (r *room) remoteRestartingLocked(until time.Time) {
	if limit := r.h.s.now().Add(r.h.s.cfg.RestartWindow); until.After(limit) {
		until = limit
	}
	r.restartUntil = until
}

// resumeWindowLocked is how long the role's participant may stay away:
// the resume window, or for a restarting sharer what is left of the
// restart window when that is longer. r.mu is held.
func (r *room) resumeWindowLocked(role string) time.Duration {
	w := r.h.s.cfg.ResumeWindow
	if role == wire.RoleSharer {
		if left := r.restartUntil.Sub(r.h.s.now()); left > w {
			w = left
		}
	}
	return w
}
