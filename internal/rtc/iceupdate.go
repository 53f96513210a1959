package rtc

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// gatherPoll is how often UpdateICEServers looks whether a gathering ended.
const gatherPoll = 50 * time.Millisecond

// UpdateICEServers replaces the STUN/TURN servers from the next gathering
// on (the next ICE restart), keeping the transport policy; the path in use
// is not touched. A list naming the same URLs changes nothing (the node is
// the same; its credentials stay valid). It reports relayGone: the URLs
// changed while the selected pair runs through this peer's relay, so the
// relay may be on a node that is gone and an ICE restart should follow.
//
// pion's agent reads its server list without a lock while it gathers, so
// the list is replaced only once a running gathering ended (or ctx ends).
// Any goroutine may call it; the change runs on the loop.
func (s *Signaling) UpdateICEServers(ctx context.Context, servers []wire.ICEServer) (relayGone bool, err error) {
	if len(servers) == 0 {
		return false, nil
	}
	if err := CheckICEServers(servers); err != nil {
		return false, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	pc := s.cfg.PC
	for pc.ICEGatheringState() == webrtc.ICEGatheringStateGathering {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(gatherPoll):
		}
	}
	err = s.cfg.Loop.Do(ctx, func() error {
		conf := pc.GetConfiguration()
		if sameURLs(conf.ICEServers, servers) {
			return nil
		}
		conf.ICEServers = ICEServers(servers)
		if err := pc.SetConfiguration(conf); err != nil {
			return fmt.Errorf("rtc: set configuration: %w", err)
		}
		relayGone = SelectedPath(pc).Local == webrtc.ICECandidateTypeRelay.String()
		return nil
	})
	return relayGone, err
}

// sameURLs reports whether two server lists name the same URLs (the
// credentials change with every list).
func sameURLs(a []webrtc.ICEServer, b []wire.ICEServer) bool {
	var x, y []string
	for _, s := range a {
		x = append(x, s.URLs...)
	}
	for _, s := range b {
		y = append(y, s.URLs...)
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
