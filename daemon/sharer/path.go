package sharer

import (
	"context"
	"net"
	"slices"
	"time"

	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// This file keeps the media path alive: the blip/drop rule of
// rtc.PathWatch, ICE restarts (the sharer is the offerer: its own, the
// helper's requests, and after a change of this machine's addresses) and
// what the status says about the network.

// minRestartGap is the least time between two ICE restarts: the helper's
// request and the sharer's own deadline usually come together, and a
// second offer before the first is answered only delays the path.
const minRestartGap = 2 * time.Second

// addrPoll is how often the local addresses are compared, to notice a
// network change (a new Wi-Fi, a cable plugged in).
const addrPoll = time.Second

// newPathWatch makes the watch of one peer connection. Loop goroutine only.
func (s *session) newPathWatch() *rtc.PathWatch {
	return rtc.NewPathWatch(rtc.PathWatchConfig{
		Loop: s.q,
		OnDrop: func() {
			s.logger.Info("media path interrupted: control dropped")
			s.dropControlFor(wire.ReasonNetworkInterrupted)
			s.setStatus(func(x *wire.SharerStatus) { x.Network = wire.ReasonNetworkInterrupted })
		},
		OnRestart: func() { s.restartICE("path down") },
		OnUnreachable: func() {
			s.logger.Info("no media path within the deadline")
			s.setStatus(func(x *wire.SharerStatus) { x.Network = wire.ReasonNetworkBlocked })
		},
		OnRecovered: func(blip bool) {
			s.logger.Info("media path back", "blip", blip)
			s.setStatus(func(x *wire.SharerStatus) { x.Network = "" })
			s.resendRevoke()
		},
	})
}

// restartICE sends an ICE-restart offer, at most one per minRestartGap.
// The offer goes out off the loop: sending may wait for the service.
// Loop goroutine only.
func (s *session) restartICE(cause string) {
	pc := s.peerConn()
	if pc == nil || s.watch == nil {
		return
	}
	now := time.Now()
	if now.Sub(s.lastRestart) < minRestartGap {
		return
	}
	s.lastRestart = now
	s.watch.Restarted()
	s.logger.Info("ICE restart", "cause", cause)
	s.setStatus(func(x *wire.SharerStatus) { x.Restarts++ })
	s.workers.Go(func() {
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		defer cancel()
		if err := pc.Restart(ctx); err != nil && s.ctx.Err() == nil {
			s.logger.Warn("ICE restart failed", "err", err)
		}
	})
}

// watchAddrs polls this machine's addresses until ctx ends and posts
// changed to the loop when the set changed.
func watchAddrs(ctx context.Context, loop *rtc.Loop, changed func()) {
	last := localAddrs()
	t := time.NewTicker(addrPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := localAddrs()
		if !slices.Equal(cur, last) {
			last = cur
			loop.Post(changed)
		}
	}
}

// localAddrs is the sorted set of this machine's unicast addresses,
// loopback and link-local left out (neither carries a session).
func localAddrs() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, ipn.IP.String())
	}
	slices.Sort(out)
	return out
}

// onAddrsChanged reconnects the session socket on a new network (one of
// the old address looks alive while nothing arrives); the ICE restart
// follows once it is back (onSocketBack). Loop goroutine only.
func (s *session) onAddrsChanged() {
	s.logger.Info("local addresses changed")
	if s.peerConn() != nil {
		s.restartOnSocket = true
		s.sig.Redial()
	}
}

// onSocketBack runs on each hello: the session socket is connected
// (again). ICE restarts when the media path is down (an outage took both,
// or the network changed), since offers sent into the old socket may be
// lost and this is the first moment a new one can arrive. The node's ICE
// servers (servers; none from a node of the release before) are applied
// to the peer first, and a path through this side's relay restarts when
// they changed: the relay may be on the node that is gone. Loop goroutine
// only.
func (s *session) onSocketBack(servers []wire.ICEServer) {
	pc := s.peerConn()
	if pc == nil || s.watch == nil {
		return
	}
	cause := ""
	if s.restartOnSocket || s.watch.Down() {
		cause = "service reconnected"
	}
	s.restartOnSocket = false
	s.workers.Go(func() {
		if len(servers) > 0 {
			ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
			gone, err := pc.UpdateICEServers(ctx, servers)
			cancel()
			if err != nil && s.ctx.Err() == nil {
				s.logger.Warn("ICE servers not updated", "err", err)
			}
			if gone && cause == "" {
				cause = "relay node changed"
			}
		}
		if cause == "" {
			return
		}
		s.q.Post(func() {
			if s.peerConn() != pc {
				return
			}
			s.lastRestart = time.Time{} // not limited: the earlier offer may be lost
			s.restartICE(cause)
		})
	})
}

// fastSocket shortens the session socket's liveness checks (unless set):
// after an outage the socket should be found dead and dialled again within
// a few seconds, since the ICE restart that brings the video back travels
// on it. Pings are tiny; the cost is a few bytes every few seconds.
func fastSocket(o *client.ConnectOptions) {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PingInterval, 3*time.Second)
	def(&o.PingTimeout, 3*time.Second)
	def(&o.DialTimeout, 4*time.Second)
	def(&o.MaxBackoff, time.Second)
}

// resendRevoke repeats a revoke sent while the network was broken, so a
// helper whose copy was lost with the old socket still learns that control
// is off and why (the helper ignores a revoke of control it does not
// have). Loop goroutine only.
func (s *session) resendRevoke() {
	if !s.revokeUnsure || s.gate.State().Control != consent.ControlNone {
		return
	}
	s.revokeUnsure = false
	s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateRevoked, Reason: wire.ReasonNetworkInterrupted})
}
