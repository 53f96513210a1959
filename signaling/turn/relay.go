package turn

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	pionturn "github.com/pion/turn/v5"
)

// SessionChecker tells whether a session is still live. The service's
// store implements it, so a credential dies with its session on every node
// sharing the database.
type SessionChecker interface {
	SessionLive(ctx context.Context, sessionID string, now time.Time) (bool, error)
}

// liveCacheTTL is how long a "live" answer is reused: TURN asks on every
// authenticated request (allocate, refresh, permission, channel bind), and a
// burst of them should cost one query. "Ended" answers are never cached
// because they never change back.
const liveCacheTTL = 2 * time.Second

// maxLiveCache bounds the cache; it is emptied when full.
const maxLiveCache = 4096

// relayGen wraps pion's relay address generator so every relay socket is
// ours to find and close: pion/turn has no per-user teardown, but closing an
// allocation's relay socket makes pion delete the allocation.
type relayGen struct {
	pionturn.RelayAddressGenerator
	s *Server
}

func (g relayGen) AllocatePacketConn(conf pionturn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	conn, addr, err := g.RelayAddressGenerator.AllocatePacketConn(conf)
	if err != nil {
		return nil, nil, err
	}
	rc := &relayConn{PacketConn: conn, s: g.s, session: conf.UserID}
	if ua, ok := conn.LocalAddr().(*net.UDPAddr); ok {
		rc.port = ua.Port
	}
	g.s.addRelay(rc)
	return rc, addr, nil
}

func (g relayGen) AllocateListener(pionturn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errTCPRelay
}

func (g relayGen) AllocateConn(pionturn.AllocateConnConfig) (net.Conn, error) {
	return nil, errTCPRelay
}

// relayConn is one allocation's relay socket.
type relayConn struct {
	net.PacketConn
	s       *Server
	session string
	port    int
	once    sync.Once
}

// WriteTo relays to a peer unless the peer is this relay host at a port
// other than a relay port: a credential holder must not reach the
// service's own API, TURN listener or anything else on its public address,
// while two participants relayed by the same server still reach each
// other's relay sockets. Refused datagrams are dropped silently, as UDP.
func (c *relayConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if ua, ok := addr.(*net.UDPAddr); ok && !c.s.selfPeerAllowed(ua) {
		c.s.selfDrops.Add(1)
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

func (c *relayConn) Close() error {
	c.once.Do(func() { c.s.removeRelay(c) })
	return c.PacketConn.Close()
}

func (s *Server) addRelay(c *relayConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.relays[c.session]
	if m == nil {
		m = map[*relayConn]struct{}{}
		s.relays[c.session] = m
	}
	m[c] = struct{}{}
	s.relayPorts[c.port]++
}

func (s *Server) removeRelay(c *relayConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.relays[c.session]; m != nil {
		delete(m, c)
		if len(m) == 0 {
			delete(s.relays, c.session)
		}
	}
	if s.relayPorts[c.port] <= 1 {
		delete(s.relayPorts, c.port)
	} else {
		s.relayPorts[c.port]--
	}
}

// selfAddrs returns the addresses of this relay host: the public IP, the
// listen IP, and every interface address when listening on all of them.
func selfAddrs(public, listen netip.Addr) map[netip.Addr]bool {
	out := map[netip.Addr]bool{public: true}
	if listen.IsValid() && !listen.IsUnspecified() {
		out[listen] = true
		return out
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out[p.Addr().Unmap()] = true
		}
	}
	return out
}

// selfPeerAllowed reports whether the relay may send to peer: anything but
// this host, and on this host only its relay ports (the configured range,
// or without one the ports of live relay sockets). Dev mode, where the
// participants share the host, allows everything.
func (s *Server) selfPeerAllowed(peer *net.UDPAddr) bool {
	if s.cfg.DevMode {
		return true
	}
	a, ok := netip.AddrFromSlice(peer.IP)
	if !ok || !s.self[a.Unmap()] {
		return true
	}
	if s.cfg.RelayPortMin != 0 {
		return peer.Port >= int(s.cfg.RelayPortMin) && peer.Port <= int(s.cfg.RelayPortMax)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.relayPorts[peer.Port] > 0
}

// sessionLive asks the SessionChecker, with a short cache of live answers.
// Without a checker every session counts as live. A failing store refuses:
// the relay fails closed.
func (s *Server) sessionLive(id string) bool {
	if s.cfg.Sessions == nil {
		return true
	}
	now := s.now()
	s.mu.Lock()
	if at, ok := s.liveCache[id]; ok && now.Sub(at) < liveCacheTTL && !now.Before(at) {
		s.mu.Unlock()
		return true
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	live, err := s.cfg.Sessions.SessionLive(ctx, id, now)
	if err != nil {
		s.log.Warn("turn session check failed", "err", err)
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if live {
		if len(s.liveCache) >= maxLiveCache {
			clear(s.liveCache)
		}
		s.liveCache[id] = now
	} else {
		delete(s.liveCache, id)
	}
	return live
}

// runSweeper closes, every SweepInterval, the relay sockets of sessions
// that have ended, so their allocations go away within a sweep rather than
// living out their lifetime.
func (s *Server) runSweeper(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweep()
		}
	}
}

func (s *Server) sweep() {
	s.mu.Lock()
	sessions := make([]string, 0, len(s.relays))
	for id := range s.relays {
		sessions = append(sessions, id)
	}
	s.mu.Unlock()
	for _, id := range sessions {
		if s.sessionLive(id) {
			continue
		}
		s.mu.Lock()
		var conns []*relayConn
		for c := range s.relays[id] {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
		s.log.Info("turn allocations of an ended session closed", "session", id, "count", len(conns))
	}
}
