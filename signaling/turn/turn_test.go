package turn

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"
)

var testSecret = []byte("0123456789abcdef-test-secret")

// fakeClock is a settable clock shared by the server and the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func startServer(t *testing.T, mutate func(*Config)) *Server {
	t.Helper()
	cfg := Config{
		ListenUDP: "127.0.0.1:0",
		ListenTCP: "127.0.0.1:0",
		Secret:    testSecret,
		DevMode:   true,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// udpEcho runs a loopback UDP echo peer until the test ends.
func udpEcho(t *testing.T) *net.UDPAddr {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
	t.Cleanup(func() { _ = pc.Close(); wg.Wait() })
	return pc.LocalAddr().(*net.UDPAddr)
}

// newClient makes a pion TURN client over UDP (or TCP) to s with the given
// credentials.
func newClient(t *testing.T, s *Server, tcp bool, user, pass string) *pionturn.Client {
	t.Helper()
	var conn net.PacketConn
	var addr string
	if tcp {
		c, err := net.DialTimeout("tcp", s.TCPAddr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn = pionturn.NewSTUNConn(c)
		addr = s.TCPAddr().String()
	} else {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = c
		addr = s.UDPAddr().String()
	}
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: addr,
		TURNServerAddr: addr,
		Conn:           conn,
		Username:       user,
		Password:       pass,
		Realm:          DefaultRealm,
		RTO:            100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); _ = conn.Close() })
	return cl
}

func credsFrom(t *testing.T, s *Server, sessionID string) (string, string) {
	t.Helper()
	ice := s.ICEServers(sessionID)
	if len(ice) != 3 || ice[1].Username == "" {
		t.Fatalf("ICEServers(%q) = %+v, want stun, turn udp, turn tcp", sessionID, ice)
	}
	return ice[1].Username, ice[1].Credential
}

func allocate(t *testing.T, cl *pionturn.Client) (net.PacketConn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cl.AllocateWithContext(ctx)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRelayToLoopbackPeerInDevMode(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		name := "udp"
		if tcp {
			name = "tcp"
		}
		t.Run(name, func(t *testing.T) {
			s := startServer(t, nil)
			peer := udpEcho(t)
			user, pass := credsFrom(t, s, "sess-1")
			cl := newClient(t, s, tcp, user, pass)
			relay, err := allocate(t, cl)
			if err != nil {
				t.Fatalf("Allocate with issued credentials: %v", err)
			}
			if got := s.Allocations(); got != 1 {
				t.Errorf("Allocations() = %d, want 1", got)
			}
			msg := []byte("hello through the relay")
			if _, err := relay.WriteTo(msg, peer); err != nil {
				t.Fatalf("WriteTo peer: %v", err)
			}
			buf := make([]byte, 1500)
			_ = relay.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, from, err := relay.ReadFrom(buf)
			if err != nil {
				t.Fatalf("ReadFrom relay: %v", err)
			}
			if string(buf[:n]) != string(msg) {
				t.Errorf("echo = %q, want %q", buf[:n], msg)
			}
			if from.String() != peer.String() {
				t.Errorf("echo from %v, want %v", from, peer)
			}
			if err := relay.Close(); err != nil {
				t.Fatalf("close relay: %v", err)
			}
			waitFor(t, "allocation count to drop", func() bool { return s.Allocations() == 0 })
		})
	}
}

func TestAuthRefused(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	s := startServer(t, func(c *Config) { c.Clock = clock.Now; c.TTL = 10 * time.Minute })
	user, pass := credsFrom(t, s, "sess-2")
	tests := []struct {
		name       string
		user, pass string
		advance    time.Duration
	}{
		{name: "forged password", user: user, pass: Password([]byte("another-secret-of-16+"), user)},
		{name: "tampered session", user: strings.Replace(user, "sess-2", "sess-3", 1), pass: pass},
		{name: "malformed username", user: "not-a-rest-username", pass: pass},
		{name: "far future expiry", user: Username(clock.Now().Add(30*24*time.Hour), "sess-2"), pass: Password(testSecret, Username(clock.Now().Add(30*24*time.Hour), "sess-2"))},
		{name: "expired", user: user, pass: pass, advance: 11 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.advance)
			cl := newClient(t, s, false, tt.user, tt.pass)
			if relay, err := allocate(t, cl); err == nil {
				_ = relay.Close()
				t.Fatalf("Allocate(%q) succeeded, want refusal", tt.name)
			}
			if got := s.Allocations(); got != 0 {
				t.Errorf("Allocations() = %d after refusal, want 0", got)
			}
		})
	}
}

func TestPermissionRefusedOutsideDevMode(t *testing.T) {
	s := startServer(t, func(c *Config) { c.DevMode = false })
	peer := udpEcho(t)
	user, pass := credsFrom(t, s, "sess-4")
	cl := newClient(t, s, false, user, pass)
	relay, err := allocate(t, cl)
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	defer relay.Close()
	for _, target := range []*net.UDPAddr{
		peer, // a live loopback echo: a permission would get an answer
		{IP: net.IPv4(169, 254, 169, 254), Port: 80},
		{IP: net.IPv4(10, 0, 0, 1), Port: 9},
	} {
		if err := cl.CreatePermission(target); err == nil {
			t.Errorf("CreatePermission(%v) succeeded, want refusal", target)
		}
		if _, err := relay.WriteTo([]byte("x"), target); err == nil {
			t.Errorf("relay WriteTo(%v) succeeded, want refusal", target)
		}
	}
}

func TestAllocationsCountAndSessionQuota(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxPerSession = 2 })
	user, pass := credsFrom(t, s, "sess-5")
	var relays []net.PacketConn
	for i := range 2 {
		cl := newClient(t, s, false, user, pass)
		r, err := allocate(t, cl)
		if err != nil {
			t.Fatalf("Allocate #%d: %v", i, err)
		}
		relays = append(relays, r)
		if got, want := s.Allocations(), int64(i+1); got != want {
			t.Errorf("Allocations() = %d, want %d", got, want)
		}
	}
	cl := newClient(t, s, false, user, pass)
	if r, err := allocate(t, cl); err == nil {
		_ = r.Close()
		t.Fatalf("third allocation for one session succeeded, want quota refusal")
	}
	// Another session is not affected by sess-5's quota.
	u2, p2 := credsFrom(t, s, "sess-6")
	r, err := allocate(t, newClient(t, s, false, u2, p2))
	if err != nil {
		t.Fatalf("Allocate for another session: %v", err)
	}
	relays = append(relays, r)
	if got := s.Allocations(); got != 3 {
		t.Errorf("Allocations() = %d, want 3", got)
	}
	for _, r := range relays {
		_ = r.Close()
	}
	waitFor(t, "allocations to drop to 0", func() bool { return s.Allocations() == 0 })
}

func TestICEServers(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	s := startServer(t, func(c *Config) { c.Clock = clock.Now; c.PublicIP = "203.0.113.7"; c.TTL = 30 * time.Minute })
	ice := s.ICEServers("abc")
	if len(ice) != 3 {
		t.Fatalf("ICEServers returned %d entries, want 3", len(ice))
	}
	wantURLs := []string{
		"stun:203.0.113.7:" + itoa(s.UDPAddr().Port),
		"turn:203.0.113.7:" + itoa(s.UDPAddr().Port) + "?transport=udp",
		"turn:203.0.113.7:" + itoa(s.TCPAddr().Port) + "?transport=tcp",
	}
	for i, e := range ice {
		if len(e.URLs) != 1 || e.URLs[0] != wantURLs[i] {
			t.Errorf("ICEServers()[%d].URLs = %v, want [%s]", i, e.URLs, wantURLs[i])
		}
		if i == 0 {
			if e.Username != "" || e.Credential != "" {
				t.Errorf("stun entry carries credentials: %+v", e)
			}
			continue
		}
		exp, id, err := ParseUsername(e.Username)
		if err != nil || id != "abc" || !exp.Equal(clock.Now().Add(30*time.Minute)) {
			t.Errorf("ParseUsername(%q) = %v, %q, %v; want %v, abc", e.Username, exp, id, err, clock.Now().Add(30*time.Minute))
		}
		if e.Credential != Password(testSecret, e.Username) {
			t.Errorf("credential does not match HMAC of username")
		}
	}
	_ = s.Close()
	if got := s.ICEServers("abc"); got != nil {
		t.Errorf("ICEServers after Close = %v, want nil", got)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no secret", Config{ListenUDP: "127.0.0.1:0", ListenTCP: "127.0.0.1:0"}},
		{"short secret", Config{Secret: []byte("short"), ListenUDP: "127.0.0.1:0", ListenTCP: "127.0.0.1:0"}},
		{"ttl too long", Config{Secret: testSecret, TTL: 2 * time.Hour, ListenUDP: "127.0.0.1:0", ListenTCP: "127.0.0.1:0"}},
		{"half a port range", Config{Secret: testSecret, RelayPortMin: 50000, ListenUDP: "127.0.0.1:0", ListenTCP: "off"}},
		{"inverted port range", Config{Secret: testSecret, RelayPortMin: 50010, RelayPortMax: 50000, ListenUDP: "127.0.0.1:0", ListenTCP: "off"}},
		{"both off", Config{Secret: testSecret, ListenUDP: "off", ListenTCP: "off"}},
		{"unspecified without public IP", Config{Secret: testSecret, ListenUDP: "0.0.0.0:0", ListenTCP: "off"}},
		{"bad public IP", Config{Secret: testSecret, PublicIP: "turn.example", ListenUDP: "127.0.0.1:0", ListenTCP: "off"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)
			if err == nil {
				_ = s.Close()
				t.Fatalf("New(%s) succeeded, want error", tt.name)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("New(%s) = %v, want ErrConfig", tt.name, err)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRelayPortRange(t *testing.T) {
	const lo, hi = 47000, 47099
	s := startServer(t, func(c *Config) { c.RelayPortMin, c.RelayPortMax = lo, hi })
	user, pass := credsFrom(t, s, "sess-range")
	relay, err := allocate(t, newClient(t, s, false, user, pass))
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	defer relay.Close()
	port := relay.LocalAddr().(*net.UDPAddr).Port
	if port < lo || port > hi {
		t.Errorf("relay port %d outside %d-%d", port, lo, hi)
	}
}

func TestICEServersBracketIPv6(t *testing.T) {
	s := startServer(t, func(c *Config) { c.PublicIP = "2001:db8::7"; c.ListenTCP = "off" })
	ice := s.ICEServers("abc")
	want := "turn:[2001:db8::7]:" + itoa(s.UDPAddr().Port) + "?transport=udp"
	if len(ice) != 2 || len(ice[1].URLs) != 1 || ice[1].URLs[0] != want {
		t.Fatalf("ICEServers = %+v, want the turn entry %s", ice, want)
	}
}
