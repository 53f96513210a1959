package server

import (
	"context"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// fullPolicyCheck is how often live sessions are re-checked even when no
// other process wrote to the database: a safety net should the data
// version miss a change.
const fullPolicyCheck = 30 * time.Second

// runPolicyWatch re-checks the live sessions of this process against the
// store. Suspending a helper or disabling an organisation may happen in
// another process sharing the database (the `quickhelp-server user disable`
// command, another node); the store is the one place they all write, so
// polling it ends those sessions within about a PolicyInterval wherever
// they live, without a notification channel between processes. Each tick
// costs one PRAGMA; the sessions are read (one query per 500) only when
// another connection has written since the last look, and every 30 s.
func (s *Server) runPolicyWatch() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.PolicyInterval)
	defer t.Stop()
	var seen int64 = -1
	var last time.Time
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		v, err := s.store.DataVersion(ctx)
		cancel()
		if err == nil && v == seen && time.Since(last) < fullPolicyCheck {
			continue
		}
		if s.checkLivePolicy() {
			seen, last = v, time.Now()
		}
	}
}

// checkLivePolicy ends every live room whose helper is suspended, whose
// organisation is disabled, or whose session another process ended. It
// reports whether the check ran.
func (s *Server) checkLivePolicy() bool {
	rooms := s.hub.snapshot()
	if len(rooms) == 0 {
		return true
	}
	ids := make([]string, len(rooms))
	for i, r := range rooms {
		ids[i] = r.id
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	states, err := s.store.SessionStates(ctx, ids)
	if err != nil {
		s.log.Warn("policy re-check failed", "err", err)
		return false
	}
	for _, r := range rooms {
		st := states[r.id]
		switch {
		case st.HelperDisabled || st.OrgDisabled:
			r.end(wire.ReasonPolicy)
		case st.Ended:
			reason := st.Reason
			if reason == "" {
				reason = wire.ReasonHelperEnded
			}
			r.end(reason)
		}
	}
	return true
}
