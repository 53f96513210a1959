//go:build linux

package netpath

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/quickhelp/quickhelp/test/netpath/delayline"
)

// The test network, all inside namespaces this test creates. Addresses
// are documentation ranges: "public" enough for the relay's production
// peer filter, and never routed anywhere real.
//
//	sharer 192.0.2.2 ── NAT rs 198.51.100.2 ──┐
//	                                           public (service 203.0.113.10)
//	helper 192.0.2.66 ── NAT rh 198.51.100.6 ─┘
const (
	serviceIP = "203.0.113.10"
)

// network is one run's namespaces, named uniquely so parallel or leftover
// runs never collide.
type network struct {
	t                        *testing.T
	pub, rs, rh, sharer, hlp string
	cable                    *delayline.Cable // the sharer's uplink on the impaired path, else nil
}

func run(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func nsRun(t *testing.T, ns string, args ...string) {
	t.Helper()
	run(t, append([]string{"ip", "netns", "exec", ns}, args...)...)
}

// nft loads a ruleset into a namespace.
func nft(t *testing.T, ns, rules string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft in %s: %v\n%s\n%s", ns, err, out, rules)
	}
}

// requireTools skips when the test cannot build namespaces here.
func requireTools(t *testing.T) {
	t.Helper()
	if out, _ := exec.Command("id", "-u").Output(); strings.TrimSpace(string(out)) != "0" {
		t.Skip("network-namespace tests need root (CI runs them as root)")
	}
	for _, tool := range []string{"ip", "nft", "Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (scripts/deps.sh installs it): %v", tool, err)
		}
	}
}

func newNetwork(t *testing.T) *network {
	t.Helper()
	return buildNetwork(t, false)
}

// buildNetwork builds the namespaces; with impaired, the sharer's router
// reaches the public network through a delay line instead of a veth pair
// (see impair in impair_linux_test.go).
func buildNetwork(t *testing.T, impaired bool) *network {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	id := "qh" + hex.EncodeToString(b)
	n := &network{t: t, pub: id + "-pub", rs: id + "-rs", rh: id + "-rh", sharer: id + "-s", hlp: id + "-h"}
	for _, ns := range []string{n.pub, n.rs, n.rh, n.sharer, n.hlp} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
				t.Errorf("ip netns del %s: %v %s", ns, err, out)
			}
		})
		nsRun(t, ns, "ip", "link", "set", "lo", "up")
	}
	link := func(a, aName, aAddr, b, bName, bAddr string) {
		run(t, "ip", "link", "add", aName, "netns", a, "type", "veth", "peer", "name", bName, "netns", b)
		nsRun(t, a, "ip", "addr", "add", aAddr, "dev", aName)
		nsRun(t, b, "ip", "addr", "add", bAddr, "dev", bName)
		nsRun(t, a, "ip", "link", "set", aName, "up")
		nsRun(t, b, "ip", "link", "set", bName, "up")
	}
	if impaired {
		n.delayCable(t, "rs0", "198.51.100.1/30", "wan", "198.51.100.2/30")
	} else {
		link(n.pub, "rs0", "198.51.100.1/30", n.rs, "wan", "198.51.100.2/30")
	}
	link(n.pub, "rh0", "198.51.100.5/30", n.rh, "wan", "198.51.100.6/30")
	link(n.rs, "lan", "192.0.2.1/26", n.sharer, "eth0", "192.0.2.2/26")
	link(n.rh, "lan", "192.0.2.65/26", n.hlp, "eth0", "192.0.2.66/26")
	nsRun(t, n.pub, "ip", "addr", "add", serviceIP+"/32", "dev", "lo")
	for _, ns := range []string{n.pub, n.rs, n.rh} {
		nsRun(t, ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	}
	nsRun(t, n.rs, "ip", "route", "add", "default", "via", "198.51.100.1")
	nsRun(t, n.rh, "ip", "route", "add", "default", "via", "198.51.100.5")
	nsRun(t, n.sharer, "ip", "route", "add", "default", "via", "192.0.2.1")
	nsRun(t, n.hlp, "ip", "route", "add", "default", "via", "192.0.2.65")
	// Home routers: source NAT on the way out, nothing gets in unasked.
	// Unsolicited packets to the router are dropped before conntrack
	// confirms them: a confirmed entry for an early ICE check from the
	// other side would make the later outgoing mapping clash and move to
	// another port (address-dependent mapping), which home routers avoid.
	for _, ns := range []string{n.rs, n.rh} {
		nft(t, ns, `table ip qhnat {
	chain nat_postrouting { type nat hook postrouting priority srcnat; oifname "wan" masquerade; }
}
table inet qhfw {
	chain filter_input {
		type filter hook input priority filter; policy accept;
		iifname "wan" ct state new drop
	}
	chain filter_forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "lan" oifname "wan" accept
	}
}`)
	}
	return n
}

// officeFirewall makes the sharer's router drop all UDP and every TCP port
// but 443 on the way out, as many office firewalls do.
func (n *network) officeFirewall(t *testing.T) {
	nft(t, n.rs, `table inet qhoffice {
	chain filter_forward {
		type filter hook forward priority filter - 10; policy accept;
		iifname "lan" meta l4proto udp counter drop
		iifname "lan" tcp dport != 443 counter drop
	}
}`)
}

// officeUDPDrops returns how many outgoing UDP packets the office firewall
// dropped: proof that the sharer tried UDP and had to do without.
func (n *network) officeUDPDrops(t *testing.T) int {
	out, err := exec.Command("ip", "netns", "exec", n.rs, "nft", "list", "table", "inet", "qhoffice").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list: %v %s", err, out)
	}
	for _, l := range bytes.Split(out, []byte("\n")) {
		var pkts, bytes int
		if i := strings.Index(string(l), "udp counter packets"); i >= 0 {
			if _, err := fmt.Sscanf(string(l)[i:], "udp counter packets %d bytes %d", &pkts, &bytes); err == nil {
				return pkts
			}
		}
	}
	t.Fatalf("no UDP counter in:\n%s", out)
	return 0
}
