package rtc

import (
	"errors"
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

// A connected pair on host candidates takes a new node's servers for the
// next restart without asking for one (the path is no relay); the same
// URLs again change nothing; a server without URLs is refused.
func TestUpdateICEServers(t *testing.T) {
	ctx, off, _, _, _ := connectedPair(t)
	node3 := []wire.ICEServer{{URLs: []string{"turn:127.0.0.1:3479?transport=udp"}, Username: "u3", Credential: "c3"}}
	gone, err := off.sig.UpdateICEServers(ctx, node3)
	if err != nil || gone {
		t.Fatalf("UpdateICEServers(node 3) = %v, %v; want false, nil on a host path", gone, err)
	}
	conf := off.pc.GetConfiguration()
	if len(conf.ICEServers) != 1 || conf.ICEServers[0].Username != "u3" || conf.ICEServers[0].URLs[0] != node3[0].URLs[0] {
		t.Fatalf("configuration after the update = %+v, want node 3's server", conf.ICEServers)
	}
	again := []wire.ICEServer{{URLs: node3[0].URLs, Username: "u3-later", Credential: "c3-later"}}
	if gone, err := off.sig.UpdateICEServers(ctx, again); err != nil || gone {
		t.Fatalf("UpdateICEServers(same URLs) = %v, %v", gone, err)
	}
	if u := off.pc.GetConfiguration().ICEServers[0].Username; u != "u3" {
		t.Errorf("same URLs replaced the servers (username %q), want no change", u)
	}
	if _, err := off.sig.UpdateICEServers(ctx, []wire.ICEServer{{}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("UpdateICEServers(no URLs) = %v, want ErrInvalidConfig", err)
	}
	if gone, err := off.sig.UpdateICEServers(ctx, nil); err != nil || gone {
		t.Errorf("UpdateICEServers(nil) = %v, %v; want a no-op", gone, err)
	}
}
