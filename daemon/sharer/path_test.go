package sharer

import (
	"net"
	"slices"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/client"
)

// localAddrs is what the network-change poll compares: sorted, and never
// the loopback address every machine has (its presence would hide nothing,
// but a change of it is no network change). The real change is checked in
// test/netpath.
func TestLocalAddrs(t *testing.T) {
	got := localAddrs()
	if !slices.IsSorted(got) {
		t.Errorf("localAddrs() = %v, want sorted", got)
	}
	for _, a := range got {
		if ip := net.ParseIP(a); ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			t.Errorf("localAddrs() = %v includes %q", got, a)
		}
	}
}

// The sharer's socket is checked often enough to be replaced within a few
// seconds of an outage; a caller's own settings win.
func TestFastSocket(t *testing.T) {
	var o client.ConnectOptions
	fastSocket(&o)
	if o.PingInterval != 3*time.Second || o.PingTimeout != 3*time.Second || o.DialTimeout != 4*time.Second || o.MaxBackoff != time.Second {
		t.Errorf("fastSocket(zero) = ping %v/%v, dial %v, backoff %v; want 3s/3s, 4s, 1s", o.PingInterval, o.PingTimeout, o.DialTimeout, o.MaxBackoff)
	}
	o = client.ConnectOptions{PingInterval: time.Minute, ResumeWindow: time.Second}
	fastSocket(&o)
	if o.PingInterval != time.Minute || o.ResumeWindow != time.Second {
		t.Errorf("fastSocket changed set options: ping %v, resume %v", o.PingInterval, o.ResumeWindow)
	}
}
