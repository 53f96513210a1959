package turn

import (
	"crypto/hmac"
	"net"
	"net/netip"

	pionturn "github.com/pion/turn/v5"
)

// authenticate is pion's AuthHandler: it returns the session ID as the user
// ID (so quota and events see the session) and the long-term key derived
// from the REST password. A forged password yields a key that does not match
// the request's MESSAGE-INTEGRITY, so pion refuses it.
func (s *Server) authenticate(ra *pionturn.RequestAttributes) (string, []byte, bool) {
	expiry, sessionID, err := ParseUsername(ra.Username)
	if err != nil {
		s.log.Debug("turn auth refused", "cause", "malformed username")
		return "", nil, false
	}
	if !s.now().Before(expiry) {
		s.log.Debug("turn auth refused", "cause", "expired")
		return "", nil, false
	}
	// A credential cannot outlive TTL from now even if the secret leaked
	// long-lived usernames; this also refuses absurd future expiries.
	if expiry.Sub(s.now()) > s.cfg.TTL+clockSkew {
		s.log.Debug("turn auth refused", "cause", "expiry too far")
		return "", nil, false
	}
	if !hmac.Equal([]byte(ra.Realm), []byte(s.cfg.Realm)) {
		return "", nil, false
	}
	pass := Password(s.cfg.Secret, ra.Username)
	return sessionID, pionturn.GenerateAuthKey(ra.Username, ra.Realm, pass), true
}

// permit is pion's PermissionHandler for CreatePermission and ChannelBind.
func (s *Server) permit(_ net.Addr, peer net.IP) bool {
	if s.cfg.DevMode {
		return true
	}
	a, ok := netip.AddrFromSlice(peer)
	ok = ok && s.cfg.peerAllowed(a.Unmap())
	if !ok {
		s.log.Debug("turn permission refused", "cause", "blocked peer range")
	}
	return ok
}

// quota is pion's QuotaHandler, called for an Allocate once its credential
// has been verified (so forged credentials cost no database query). It
// refuses sessions that have ended: a credential dies with its session. The
// check and the later count are not one atomic step, so concurrent requests
// may overshoot a limit by a few: the limits protect file descriptors, not
// an exact budget.
func (s *Server) quota(sessionID, _ string, _ net.Addr) bool {
	if !s.sessionLive(sessionID) {
		s.log.Debug("turn allocation refused", "cause", "session ended")
		return false
	}
	if s.allocs.Load() >= int64(s.cfg.MaxAllocations) {
		s.log.Warn("turn allocation refused", "cause", "server limit")
		return false
	}
	s.mu.Lock()
	n := s.perSession[sessionID]
	s.mu.Unlock()
	if n >= s.cfg.MaxPerSession {
		s.log.Debug("turn allocation refused", "cause", "session limit")
		return false
	}
	return true
}

func (s *Server) onAllocationCreated(_, _ net.Addr, _, sessionID, _ string, _ net.Addr, _ int) {
	s.allocs.Add(1)
	s.mu.Lock()
	s.perSession[sessionID]++
	s.mu.Unlock()
}

func (s *Server) onAllocationDeleted(_, _ net.Addr, _, sessionID, _ string) {
	s.allocs.Add(-1)
	s.mu.Lock()
	if s.perSession[sessionID] <= 1 {
		delete(s.perSession, sessionID)
	} else {
		s.perSession[sessionID]--
	}
	s.mu.Unlock()
}
