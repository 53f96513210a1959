package turn

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// sessionStore opens a real store with live sessions ids.
func sessionStore(t *testing.T, ids ...string) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "quickhelp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now()
	for _, id := range ids {
		if err := st.CreateSession(context.Background(), store.NewSession{ID: id, OrgID: "o", HelperID: "h",
			CodeHash: []byte(id), CodeExpiresAt: now.Add(10 * time.Minute), HelperTokenHash: "t-" + id,
			TokenExpiresAt: now.Add(time.Hour), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// TestEndedSessionRefusedAndClosed: once the store says a session ended,
// its credentials get no new allocation and its existing allocations are
// closed by the next sweep; another session's allocation stays.
func TestEndedSessionRefusedAndClosed(t *testing.T) {
	st := sessionStore(t, "ending", "staying")
	s := startServer(t, func(c *Config) { c.Sessions = st; c.SweepInterval = 100 * time.Millisecond })
	user, pass := credsFrom(t, s, "ending")
	relay, err := allocate(t, newClient(t, s, false, user, pass))
	if err != nil {
		t.Fatalf("Allocate for a live session: %v", err)
	}
	defer relay.Close()
	u2, p2 := credsFrom(t, s, "staying")
	other, err := allocate(t, newClient(t, s, false, u2, p2))
	if err != nil {
		t.Fatalf("Allocate for the other session: %v", err)
	}
	defer other.Close()
	if got := s.Allocations(); got != 2 {
		t.Fatalf("Allocations() = %d, want 2", got)
	}

	ended := time.Now()
	if _, err := st.EndSession(context.Background(), "ending", wire.ReasonHelperEnded, nil, nil, ended); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ended session's allocation to close", func() bool { return s.Allocations() == 1 })
	if d := time.Since(ended); d > 5*time.Second {
		t.Errorf("allocation closed %v after the session ended, want within a few seconds", d)
	}
	if r, err := allocate(t, newClient(t, s, false, user, pass)); err == nil {
		_ = r.Close()
		t.Errorf("Allocate with an ended session's credentials succeeded, want refusal")
	}
	// The other session still relays.
	peer := udpEcho(t)
	if _, err := other.WriteTo([]byte("still here"), peer); err != nil {
		t.Fatalf("WriteTo from the other session: %v", err)
	}
	buf := make([]byte, 64)
	_ = other.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, _, err := other.ReadFrom(buf); err != nil || string(buf[:n]) != "still here" {
		t.Errorf("other session's echo = %q, %v", buf[:n], err)
	}
	if got := s.Allocations(); got != 1 {
		t.Errorf("Allocations() = %d after the sweep, want 1 (the live session's)", got)
	}
}

// TestRelayRefusesOwnAddress runs the production rules (dev mode off) with
// the relay on loopback, loopback peers allowed for the test: a relay may
// reach another participant's relay socket on its own address, but not any
// other port there (a service on the relay host).
func TestRelayRefusesOwnAddress(t *testing.T) {
	s := startServer(t, func(c *Config) {
		c.DevMode = false
		c.peerAllowed = func(netip.Addr) bool { return true }
	})
	ua, pa := credsFrom(t, s, "sess-a")
	ub, pb := credsFrom(t, s, "sess-b")
	clA, clB := newClient(t, s, false, ua, pa), newClient(t, s, false, ub, pb)
	relayA, err := allocate(t, clA)
	if err != nil {
		t.Fatal(err)
	}
	defer relayA.Close()
	relayB, err := allocate(t, clB)
	if err != nil {
		t.Fatal(err)
	}
	defer relayB.Close()
	// pion reports the public address (127.0.0.1 here) with the port.
	addrA, addrB := relayA.LocalAddr().(*net.UDPAddr), relayB.LocalAddr().(*net.UDPAddr)
	if err := clB.CreatePermission(addrA); err != nil {
		t.Fatalf("B's permission for A's relay: %v", err)
	}
	if _, err := relayA.WriteTo([]byte("relay to relay"), addrB); err != nil {
		t.Fatalf("A to B's relay: %v", err)
	}
	buf := make([]byte, 64)
	_ = relayB.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, _, err := relayB.ReadFrom(buf); err != nil || string(buf[:n]) != "relay to relay" {
		t.Fatalf("B's relay got %q, %v, want the datagram from A's relay", buf[:n], err)
	}

	// A service listening on the relay's own address, not a relay port.
	service := udpEcho(t)
	if _, err := relayA.WriteTo([]byte("probe"), service); err != nil {
		t.Fatalf("WriteTo service: %v", err)
	}
	_ = relayA.SetReadDeadline(time.Now().Add(time.Second))
	if n, from, err := relayA.ReadFrom(buf); err == nil {
		t.Errorf("relay reached a non-relay port of its own address: %q from %v", buf[:n], from)
	}
	waitFor(t, "the refused datagram to be counted", func() bool { return s.selfDrops.Load() >= 1 })
}

func TestSelfPeerAllowedPortRange(t *testing.T) {
	s := startServer(t, func(c *Config) {
		c.DevMode = false
		c.PublicIP = "203.0.113.9"
		c.RelayPortMin, c.RelayPortMax = 48000, 48099
	})
	tests := []struct {
		peer string
		want bool
	}{
		{"203.0.113.9:48000", true},
		{"203.0.113.9:48099", true},
		{"203.0.113.9:47999", false},
		{"203.0.113.9:7443", false},
		{"127.0.0.1:7443", false}, // the listen address is this host too
		{"203.0.113.10:7443", true},
	}
	for _, tt := range tests {
		ap := netip.MustParseAddrPort(tt.peer)
		if got := s.selfPeerAllowed(net.UDPAddrFromAddrPort(ap)); got != tt.want {
			t.Errorf("selfPeerAllowed(%s) = %v, want %v", tt.peer, got, tt.want)
		}
	}
}
