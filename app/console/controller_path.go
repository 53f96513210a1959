package console

import (
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
