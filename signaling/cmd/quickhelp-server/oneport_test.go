package main

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/edge/edgetest"
	"github.com/quickhelp/quickhelp/signaling/turn"
	"github.com/quickhelp/quickhelp/wire"
)

// TestServeOnePort runs the real serve path with TLS from a throw-away CA
// and checks, on the one HTTPS port: a verified HTTPS request with HSTS,
// sign-in, session creation with ICE servers in order (stun, turn udp,
// turn tcp, turns on the HTTPS port), the session WebSocket of both
// participants, and a pion TURN client allocating over TLS on that port.
// --ice-policy relay reaches both participants.
func TestServeOnePort(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ca := edgetest.NewCA(t)
	_, certFile, keyFile := ca.WriteFiles(t, dir, ca.Issue(t, "127.0.0.1"))
	addr, done := startServe(t, ctx, dir, "--data", dir, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--turn-listen", "127.0.0.1:0", "--ice-policy", "relay")
	_, port, _ := net.SplitHostPort(addr)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: ca.ClientConfig()}}
	resp, err := hc.Get("https://" + addr + wire.PathHealth)
	if err != nil {
		t.Fatalf("HTTPS healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("healthz: status %d, TLS %v, HSTS %q", resp.StatusCode, resp.TLS != nil, resp.Header.Get("Strict-Transport-Security"))
	}

	resp, err = hc.Get("https://" + addr + wire.PathMetrics)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "quickhelp_tls_connections ") {
		t.Errorf("metrics lack the TLS port:\n%s", metrics)
	}

	api, cr := createSession(t, ctx, "https://"+addr, hc, dir)
	if got, want := iceKinds(cr.ICEServers), "stun,turn udp,turn tcp,turns tcp"; got != want {
		t.Errorf("ICE servers %v: kinds %q, want %q", cr.ICEServers, got, want)
	}
	turns := cr.ICEServers[len(cr.ICEServers)-1]
	if want := "turns:127.0.0.1:" + port + "?transport=tcp"; turns.URLs[0] != want {
		t.Errorf("turns URL %q, want %q", turns.URLs[0], want)
	}
	if cr.ICETransportPolicy != wire.ICEPolicyRelay {
		t.Errorf("create: iceTransportPolicy %q, want relay", cr.ICETransportPolicy)
	}
	jr, err := api.Join(ctx, cr.Code)
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	if jr.ICETransportPolicy != wire.ICEPolicyRelay {
		t.Errorf("join: iceTransportPolicy %q, want relay", jr.ICETransportPolicy)
	}
	helper, err := api.Connect(ctx, cr.SessionID, cr.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatalf("helper WebSocket over the shared port: %v", err)
	}
	defer helper.Close()
	sharer, err := api.Connect(ctx, jr.SessionID, jr.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatalf("sharer WebSocket over the shared port: %v", err)
	}
	defer sharer.Close()
	if err := sharer.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "hello over 443"}); err != nil {
		t.Fatal(err)
	}
	waitChat(t, helper, "hello over 443")

	allocateOverTLS(t, caClientConfig(ca), addr, turns)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// createSession signs in to the service at base through hc as the demo
// helper whose password is in dir, and creates a session.
func createSession(t *testing.T, ctx context.Context, base string, hc *http.Client, dir string) (*client.Client, wire.CreateSessionResponse) {
	t.Helper()
	api, err := client.New(base, client.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	lr, err := api.Login(ctx, demoEmail, demoPassword(t, dir))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	cr, err := api.CreateSession(ctx, lr.Token)
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	return api, cr
}

func waitChat(t *testing.T, s *client.Session, text string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			if ev.Kind == client.EventMessage && ev.Envelope.Type == wire.TypeChat && ev.Envelope.Text == text {
				return
			}
		case <-timeout:
			t.Fatalf("chat %q did not arrive", text)
		}
	}
}

// caClientConfig trusts ca and verifies the name 127.0.0.1.
func caClientConfig(ca *edgetest.CA) *tls.Config {
	cfg := ca.ClientConfig()
	cfg.ServerName = "127.0.0.1"
	return cfg
}

// allocateOverTLS runs a pion TURN client over a tls.Conn to the shared
// port, verified with cfg (no ALPN, as WebRTC stacks do), and allocates a
// relay.
func allocateOverTLS(t *testing.T, cfg *tls.Config, addr string, s wire.ICEServer) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	conn := pionturn.NewSTUNConn(c)
	defer conn.Close()
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: s.Username, Password: s.Credential, Realm: turn.DefaultRealm, RTO: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	relay, err := cl.AllocateWithContext(actx)
	if err != nil {
		t.Fatalf("TURN allocation over TLS on the HTTPS port: %v", err)
	}
	if host, p, _ := net.SplitHostPort(relay.LocalAddr().String()); host != "127.0.0.1" || p == "" {
		t.Errorf("relay address %v", relay.LocalAddr())
	} else if n, _ := strconv.Atoi(p); n == 0 {
		t.Errorf("relay port %q", p)
	}
	_ = relay.Close()
}

// TestServeTURNTransports: --turn-tls=false keeps TURN off the HTTPS port,
// and --turn-listen off with TLS leaves TURN on the HTTPS port alone.
func TestServeTURNTransports(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"no turns", []string{"--turn-listen", "127.0.0.1:0", "--turn-tls=false"}, "stun,turn udp,turn tcp"},
		{"only turns", []string{"--turn-listen", "off", "--public-host", "127.0.0.1"}, "turns tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ca := edgetest.NewCA(t)
			_, certFile, keyFile := ca.WriteFiles(t, dir, ca.Issue(t, "127.0.0.1"))
			addr, done := startServe(t, ctx, dir, append([]string{"--data", dir, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile}, tt.flags...)...)
			hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: ca.ClientConfig()}}
			_, cr := createSession(t, ctx, "https://"+addr, hc, dir)
			if got := iceKinds(cr.ICEServers); got != tt.want {
				t.Errorf("ICE servers %v: kinds %q, want %q", cr.ICEServers, got, tt.want)
			}
			if tt.want == "turns tcp" {
				allocateOverTLS(t, caClientConfig(ca), addr, cr.ICEServers[0])
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
}

// iceKinds names each ICE server by scheme and transport: "stun",
// "turn udp", "turn tcp", "turns tcp".
func iceKinds(servers []wire.ICEServer) string {
	var kinds []string
	for _, s := range servers {
		scheme, rest, _ := strings.Cut(s.URLs[0], ":")
		_, transport, _ := strings.Cut(rest, "?transport=")
		kinds = append(kinds, strings.TrimSpace(scheme+" "+transport))
	}
	return strings.Join(kinds, ",")
}

func TestTURNDevModeAndTURNSHost(t *testing.T) {
	dev := []struct {
		name string
		c    serveConfig
		tls  bool
		want bool
	}{
		{"loopback, no TLS", serveConfig{dev: "auto", turnListen: "127.0.0.1:3478", listen: "127.0.0.1:7443"}, false, true},
		{"loopback TURN, public TLS port", serveConfig{dev: "auto", turnListen: "127.0.0.1:3478", listen: ":443"}, true, false},
		{"loopback TURN and TLS port", serveConfig{dev: "auto", turnListen: "127.0.0.1:3478", listen: "127.0.0.1:8443"}, true, true},
		{"public TURN", serveConfig{dev: "auto", turnListen: "0.0.0.0:3478", listen: "127.0.0.1:8443"}, false, false},
		{"only TLS, public", serveConfig{dev: "auto", turnListen: "off", listen: "203.0.113.10:443"}, true, false},
		{"forced", serveConfig{dev: "true", turnListen: "0.0.0.0:3478"}, true, true},
		{"refused", serveConfig{dev: "false", turnListen: "127.0.0.1:3478", listen: "127.0.0.1:1"}, false, false},
	}
	for _, tt := range dev {
		if got := turnDevMode(tt.c, tt.tls); got != tt.want {
			t.Errorf("turnDevMode(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	wildcard := &net.TCPAddr{IP: net.IPv4zero, Port: 443}
	specific := &net.TCPAddr{IP: net.ParseIP("203.0.113.10"), Port: 8443}
	hosts := []struct {
		c            serveConfig
		listen       *net.TCPAddr
		host         string
		port         int
		wantErrMatch string
	}{
		{serveConfig{publicHost: "help.example.com"}, wildcard, "help.example.com", 443, ""},
		{serveConfig{publicHost: "help.example.com:4443"}, specific, "help.example.com", 4443, ""},
		{serveConfig{turnPublicIP: "198.51.100.7"}, wildcard, "198.51.100.7", 443, ""},
		{serveConfig{}, specific, "203.0.113.10", 8443, ""},
		{serveConfig{listen: ":443"}, wildcard, "", 0, "--public-host"},
		{serveConfig{publicHost: "help.example.com:x"}, wildcard, "", 0, "bad port"},
	}
	for _, tt := range hosts {
		host, port, err := turnsHostPort(tt.c, tt.listen)
		if tt.wantErrMatch != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErrMatch) {
				t.Errorf("turnsHostPort(%+v) error = %v, want %q", tt.c, err, tt.wantErrMatch)
			}
			continue
		}
		if err != nil || host != tt.host || port != tt.port {
			t.Errorf("turnsHostPort(%+v, %v) = %q, %d, %v; want %q, %d", tt.c, tt.listen, host, port, err, tt.host, tt.port)
		}
	}
}
