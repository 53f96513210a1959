package edge_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"

	"github.com/quickhelp/quickhelp/signaling/edge"
	"github.com/quickhelp/quickhelp/signaling/edge/edgetest"
	"github.com/quickhelp/quickhelp/signaling/turn"
)

type fixture struct {
	el   *edge.Listener
	ca   *edgetest.CA
	addr string
	turn *turn.Server
}

// start runs an edge listener on loopback with an HTTP server behind it
// that reports what it saw of TLS, and (withTURN) the real TURN relay.
func start(t *testing.T, withTURN bool, mutate func(*edge.Config)) *fixture {
	t.Helper()
	ca := edgetest.NewCA(t)
	leaf := ca.Issue(t, "127.0.0.1", "help.test")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := edge.Config{Listener: ln, TLS: &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}, TURN: withTURN}
	if mutate != nil {
		mutate(&cfg)
	}
	el, err := edge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{el: el, ca: ca, addr: ln.Addr().String()}
	hs := &http.Server{
		Handler: edge.WithTLSState(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.TLS != nil {
				w.Header().Set("Strict-Transport-Security", "max-age=31536000")
				fmt.Fprintf(w, "tls %x alpn=%q", r.TLS.Version, r.TLS.NegotiatedProtocol)
				return
			}
			fmt.Fprint(w, "plain")
		})),
		ConnContext:       edge.ConnContext,
		ReadHeaderTimeout: 5 * time.Second,
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(el.HTTP()) }()
	if withTURN {
		f.turn, err = turn.New(turn.Config{
			ListenUDP: "off", ListenTCP: "off", PublicIP: "127.0.0.1", DevMode: true,
			Secret: []byte("0123456789abcdef0123456789abcdef"), TLSListener: el.TURN(),
			TLSHost: "127.0.0.1", TLSPort: ln.Addr().(*net.TCPAddr).Port,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if f.turn != nil {
			_ = f.turn.Close()
		}
		_ = hs.Close()
		<-done
		_ = el.Close()
	})
	return f
}

func (f *fixture) httpClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: f.ca.ClientConfig(), ForceAttemptHTTP2: true,
	}}
}

// turnAllocate dials the shared port with TLS (ALPN as given), runs a pion
// TURN client over the tls.Conn and allocates a relay.
func (f *fixture) turnAllocate(t *testing.T, alpn []string) {
	t.Helper()
	ice := f.turn.ICEServers("sess-edge")
	last := ice[len(ice)-1]
	cfg := f.ca.ClientConfig()
	cfg.ServerName, cfg.NextProtos = "127.0.0.1", alpn
	d := &tls.Dialer{Config: cfg, NetDialer: &net.Dialer{Timeout: 5 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", f.addr)
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	conn := pionturn.NewSTUNConn(c)
	defer conn.Close()
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: f.addr, TURNServerAddr: f.addr, Conn: conn,
		Username: last.Username, Password: last.Credential, Realm: turn.DefaultRealm, RTO: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	mapped, err := cl.SendBindingRequest()
	if err != nil {
		t.Fatalf("STUN binding over TLS: %v", err)
	}
	if host, _, _ := net.SplitHostPort(mapped.String()); !net.ParseIP(host).IsLoopback() {
		t.Errorf("mapped address %v, want loopback", mapped)
	}
	relay, err := cl.AllocateWithContext(ctx)
	if err != nil {
		t.Fatalf("TURN allocate over TLS on the shared port: %v", err)
	}
	_ = relay.Close()
}

// TestOnePort serves HTTPS and TURN over TLS on one port: HTTP requests
// see their TLS state and get HSTS, h2 is not negotiated, and a pion TURN
// client allocates over a tls.Conn both without ALPN (as WebRTC stacks do)
// and with ALPN stun.turn.
func TestOnePort(t *testing.T) {
	f := start(t, true, nil)
	resp, err := f.httpClient().Get("https://" + f.addr + "/x")
	if err != nil {
		t.Fatalf("HTTPS GET: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("tls %x alpn=%q", tls.VersionTLS13, edge.ALPNHTTP); string(body) != want {
		t.Errorf("handler saw %q, want %q", body, want)
	}
	if resp.ProtoMajor != 1 {
		t.Errorf("protocol %s, want HTTP/1.1 (no h2 through the demultiplexer)", resp.Proto)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS header")
	}
	t.Run("no ALPN", func(t *testing.T) { f.turnAllocate(t, nil) })
	t.Run("ALPN stun.turn", func(t *testing.T) { f.turnAllocate(t, []string{edge.ALPNTURN}) })
	if got := f.turn.Allocations(); got > 2 {
		t.Errorf("allocations = %d", got)
	}
}

// TestTLS12Minimum refuses TLS 1.1 clients.
func TestTLS12Minimum(t *testing.T) {
	f := start(t, false, nil)
	cfg := f.ca.ClientConfig()
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", f.addr, cfg)
	if err == nil {
		c.Close()
		t.Fatal("TLS 1.1 handshake succeeded")
	}
	cfg.MaxVersion = tls.VersionTLS12
	c, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", f.addr, cfg)
	if err != nil {
		t.Fatalf("TLS 1.2 handshake: %v", err)
	}
	c.Close()
}

// TestTURNOff closes STUN traffic when no TURN route exists, and still
// serves HTTP.
func TestTURNOff(t *testing.T) {
	f := start(t, false, nil)
	c, err := tls.Dial("tcp", f.addr, f.ca.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A STUN binding request header: type 0x0001, length 0, cookie, ID.
	msg := []byte{0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Errorf("read after STUN with TURN off = %v, want the connection closed", err)
	}
	resp, err := f.httpClient().Get("https://" + f.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// expectClosed waits for the server to close c (EOF or reset) within
// limit, and fails on a timeout.
func expectClosed(t *testing.T, what string, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	_, err := c.Read(make([]byte, 1))
	if err == nil || isTimeout(err) {
		t.Fatalf("%s: read = %v, want the server to close the connection within %v", what, err, limit)
	}
	return time.Since(start)
}

// TestSlowClientsAreCut closes a client that connects and says nothing and
// one that completes the handshake but sends no request, at the deadline.
func TestSlowClientsAreCut(t *testing.T) {
	const deadline = 400 * time.Millisecond
	f := start(t, true, func(c *edge.Config) { c.HandshakeTimeout = deadline })

	silent, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	mute, err := tls.Dial("tcp", f.addr, f.ca.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	if took := expectClosed(t, "silent TCP client", silent, 10*deadline); took < deadline/2 {
		t.Errorf("silent client cut after %v, before the %v deadline", took, deadline)
	}
	expectClosed(t, "client silent after the handshake", mute, 10*deadline)
	waitFor(t, "timeouts counted", func() bool { return f.el.TimedOut() >= 2 })
	waitFor(t, "slots released", func() bool { return f.el.Open() == 0 })
}

// TestConnectionCap closes connections over MaxConns at once and accepts
// again when one goes away; MaxPending bounds handshakes the same way.
func TestConnectionCap(t *testing.T) {
	f := start(t, false, func(c *edge.Config) { c.MaxConns, c.MaxPending = 3, 2 })

	// One routed HTTP connection kept alive, and two pending ones.
	routed, err := tls.Dial("tcp", f.addr, f.ca.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer routed.Close()
	get := func() {
		t.Helper()
		if _, err := io.WriteString(routed, "GET / HTTP/1.1\r\nHost: help.test\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(routed), nil)
		if err != nil {
			t.Fatalf("response on the routed connection: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get()
	var pending []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		pending = append(pending, c)
	}
	waitFor(t, "three open", func() bool { return f.el.Open() == 3 })
	over, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer over.Close()
	expectClosed(t, "connection over MaxConns", over, 2*time.Second)
	if got := f.el.Refused(); got != 1 {
		t.Errorf("Refused() = %d, want 1", got)
	}
	get() // the routed connection still works at the cap

	// Free a slot: a new connection is accepted (pending again).
	pending[0].Close()
	waitFor(t, "slot freed", func() bool { return f.el.Open() == 2 })
	again, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	waitFor(t, "new connection counted", func() bool { return f.el.Open() == 3 })
	// Closing the routed connection frees a slot, but MaxPending (2) still
	// refuses a third handshake in progress.
	routed.Close()
	waitFor(t, "routed slot freed", func() bool { return f.el.Open() == 2 })
	third, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	expectClosed(t, "handshake over MaxPending", third, 2*time.Second)
	if got := f.el.Refused(); got != 2 {
		t.Errorf("Refused() = %d, want 2", got)
	}
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

func TestIsSTUN(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"binding request", []byte{0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42}, true},
		{"allocate", []byte{0, 3, 0, 8, 0x21, 0x12, 0xA4, 0x42}, true},
		{"GET", []byte("GET / HT"), false},
		{"wrong cookie", []byte{0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x43}, false},
		{"top bits set", []byte{0x40, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42}, false},
		{"short", []byte{0, 1, 0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := edge.IsSTUN(tt.b); got != tt.want {
				t.Errorf("IsSTUN(%x) = %v, want %v", tt.b, got, tt.want)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for name, cfg := range map[string]edge.Config{
		"no listener":                 {TLS: &tls.Config{}},
		"no cert":                     {Listener: ln, TLS: &tls.Config{}},
		"negative":                    {Listener: ln, TLS: &tls.Config{Certificates: []tls.Certificate{{}}}, MaxConns: -1},
		"ACME without GetCertificate": {Listener: ln, TLS: &tls.Config{Certificates: []tls.Certificate{{}}}, ACME: true},
	} {
		if _, err := edge.New(cfg); !errors.Is(err, edge.ErrConfig) {
			t.Errorf("New(%s) = %v, want ErrConfig", name, err)
		}
	}
}
