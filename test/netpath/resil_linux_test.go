//go:build linux

package netpath

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// frames is the helper child's latest frame count.
func (p *proc) frames() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.out) - 1; i >= 0; i-- {
		var n int
		if _, err := fmt.Sscanf(p.out[i], "FRAMES %d", &n); err == nil {
			return n
		}
	}
	return 0
}

// waitFrames waits until the helper has received more than from frames
// and returns how long that took.
func (p *proc) waitFrames(t *testing.T, from, more int, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		if p.frames() >= from+more {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the helper received %d new frames within %v, want at least %d", p.frames()-from, limit, more)
	return 0
}

// resilSetup starts the service, the long-running helper child and the
// sharer, and returns once the sharer has granted control.
func resilSetup(t *testing.T, f fixture, n *network, display string) (helper, sharer *proc, sock string) {
	t.Helper()
	helper = startHelper(t, f, n, []string{envResil + "=1"})
	code := strings.TrimPrefix(helper.waitLine(t, "CODE ", 20*time.Second), "CODE ")
	sharer, sock = joinSharer(t, f, n, display, code)
	helper.waitLine(t, "CONTROL-REQUESTED", 30*time.Second)
	allow(t, f.sharerBin, sock, "allow-control")
	helper.waitLine(t, "GRANTED", 10*time.Second)
	sharer.waitLine(t, `msg="media path"`, 10*time.Second)
	return helper, sharer, sock
}

// sharerStatus is the sharer's one-line status as the CLI prints it.
func sharerStatus(t *testing.T, bin, sock string) string {
	t.Helper()
	out, err := exec.Command(bin, "--socket", sock, "status").CombinedOutput()
	if err != nil {
		t.Fatalf("quickhelp-sharer status: %v %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestPathRecovery breaks a running session's path the two ways field
// networks do, with the real service and sharer and the helper's viewer
// across two NATs: a 10 s blackout of the sharer's uplink (scenario 5)
// and a change of the sharer's address (scenario 6, a Wi-Fi switch). The
// session must come back by itself, and control must need a new grant.
func TestPathRecovery(t *testing.T) {
	f, display := programsAndDesktop(t)

	t.Run("10 s blackout of the sharer's uplink", func(t *testing.T) {
		n := newNetwork(t)
		helper, sharer, sock := resilSetup(t, f, n, display)
		before := helper.mark()
		cut := time.Now()
		// Everything through the sharer's router is dropped, both ways:
		// the media path and the session socket.
		nft(t, n.rs, `table inet qhblackout {
	chain forward {
		type filter hook forward priority filter - 20; policy drop;
	}
}`)
		helper.waitAfter(t, before, "STATE disconnected", 5*time.Second)
		helper.waitAfter(t, before, "ASKED-RESTART", 6*time.Second)
		time.Sleep(time.Until(cut.Add(10 * time.Second)))
		frames := helper.frames()
		back := helper.mark()
		nsRun(t, n.rs, "nft", "delete", "table", "inet", "qhblackout")
		took := helper.waitFrames(t, frames, 5, 5*time.Second)
		helper.waitAfter(t, back, "STATE connected", time.Second)
		t.Logf("video back %v after the link returned", took)

		// Control was dropped for good: revoked with the network reason,
		// and the sharer is view-only until they allow again.
		helper.waitAfter(t, before, "REVOKED network-interrupted", time.Second)
		if st := sharerStatus(t, f.sharerBin, sock); !strings.Contains(st, "view only") {
			t.Errorf("sharer status after the outage = %q, want view only", st)
		}
		sharer.waitLine(t, `msg="ICE restart"`, time.Second)
	})

	t.Run("the sharer's address changes", func(t *testing.T) {
		n := newNetwork(t)
		helper, sharer, _ := resilSetup(t, f, n, display)
		before := helper.mark()
		frames := helper.frames()
		// A new address on the same interface, the old one removed (its
		// sockets are dead), the default route through the new one.
		nsRun(t, n.sharer, "sysctl", "-qw", "net.ipv4.conf.eth0.promote_secondaries=1")
		nsRun(t, n.sharer, "ip", "addr", "add", "192.0.2.3/26", "dev", "eth0")
		nsRun(t, n.sharer, "ip", "addr", "del", "192.0.2.2/26", "dev", "eth0")
		nsRun(t, n.sharer, "ip", "route", "replace", "default", "via", "192.0.2.1", "src", "192.0.2.3")
		changed := time.Now()
		sharer.waitLine(t, `msg="local addresses changed"`, 5*time.Second)
		helper.waitAfter(t, before, "RESTART-OFFER", 10*time.Second)
		_, idx := helper.waitAfter(t, before, "STATE connected", 15*time.Second)
		after := helper.frames()
		took := helper.waitFrames(t, after, 10, 10*time.Second)
		t.Logf("connected again at line %d; frames before %d, at reconnect %d; 10 more within %v (%v after the change)",
			idx, frames, after, took, time.Since(changed).Round(time.Millisecond))
		sharer.waitLine(t, `msg="ICE restart"`, time.Second)
	})
}
