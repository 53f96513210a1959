package console

import (
	"context"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// This file holds what the controller does when the viewer's media path
// breaks (the rule itself is rtc.PathWatch's).

// newPathWatch follows the viewer's media path: the sharer (the offerer)
// is asked for an ICE restart while it stays down, the page is told when
// it cannot be made (network-blocked), and the poor-connection notice
// (set when the path went down) is taken back once it is up. Control is
// the sharer's to drop: its revoke (reason network-interrupted) follows a
// longer outage.
func (c *Controller) newPathWatch(s *session) *rtc.PathWatch {
	return rtc.NewPathWatch(rtc.PathWatchConfig{
		Loop: c.q,
		OnRestart: func() {
			if c.sess == s && s.conn != nil {
				c.signal(wire.Envelope{Type: wire.TypeICERestart}, nil)
			}
		},
		OnUnreachable: func() {
			if c.sess == s && !s.sharerRestarting {
				c.log.Info("no media path within the deadline")
				c.st.Network = wire.ReasonNetworkBlocked
				c.emitState()
			}
		},
		OnRecovered: func(bool) {
			if c.sess == s && c.st.Network != "" {
				c.st.Network = ""
				c.emitState()
			}
		},
	})
}

// freshICE takes the ICE servers of the node the helper's socket reached
// (hello): a later viewer and the viewer's next ICE restart use them, and
// when the viewer's path runs through the relay of a node the socket no
// longer reaches, the sharer is asked for a restart at once.
func (c *Controller) freshICE(s *session, servers []wire.ICEServer) {
	if len(servers) == 0 {
		return // a node of the release before
	}
	s.ice = servers
	v := s.view
	if v == nil {
		return
	}
	c.wg.Go(func() {
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
		defer cancel()
		gone, err := v.UpdateICEServers(ctx, servers)
		if err != nil {
			c.log.Debug("ICE servers not updated", "err", err)
			return
		}
		if gone {
			c.q.Post(func() {
				if c.sess == s && s.view == v && s.conn != nil {
					c.signal(wire.Envelope{Type: wire.TypeICERestart}, nil)
				}
			})
		}
	})
}
