package server

import (
	"context"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// runPolicyWatch re-checks the live sessions of this process against the
// store every PolicyInterval. Suspending a helper or disabling an
// organisation may happen in another process sharing the database (the
// `quickhelp-server user disable` command, another node); the store is the
// one place they all write, so polling it with one cheap query a second
// ends those sessions within about a second wherever they live, without a
// notification channel between processes.
func (s *Server) runPolicyWatch() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.PolicyInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.checkLivePolicy()
		}
	}
}

// checkLivePolicy ends every live room whose helper is suspended, whose
// organisation is disabled, or whose session another process ended.
func (s *Server) checkLivePolicy() {
	rooms := s.hub.snapshot()
	if len(rooms) == 0 {
		return
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
		return
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
}
