package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"

	"github.com/quickhelp/quickhelp/signaling/edge/edgetest"
	"github.com/quickhelp/quickhelp/wire"
)

// testDNS answers A queries for its names with 127.0.0.1 over TCP (how
// pebble's validator asks a custom resolver) and records every name asked.
type testDNS struct {
	addr  string
	names map[string]bool
	mu    sync.Mutex
	asked map[string]int // guarded by mu
}

func startTestDNS(t *testing.T, names ...string) *testDNS {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &testDNS{addr: ln.Addr().String(), names: map[string]bool{}, asked: map[string]int{}}
	for _, n := range names {
		d.names[dns.Fqdn(n)] = true
	}
	srv := &dns.Server{Listener: ln, Net: "tcp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, qq := range q.Question {
			name := strings.ToLower(qq.Name)
			d.mu.Lock()
			d.asked[strings.TrimSuffix(name, ".")]++
			d.mu.Unlock()
			if !d.names[name] {
				m.Rcode = dns.RcodeNameError
				continue
			}
			if qq.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: qq.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.IPv4(127, 0, 0, 1),
				})
			}
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return d
}

func (d *testDNS) queried(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.asked[name]
}

// testPebble is pebble, the ACME test CA, in this process: its directory
// and management API over HTTPS on loopback, its validator really
// connecting to the names' addresses (from testDNS) on tlsPort
// (TLS-ALPN-01) or httpPort (HTTP-01).
type testPebble struct {
	dirLn, mgmtLn net.Listener
	web           *edgetest.CA // signs pebble's own HTTPS certificate
	caFile        string       // web's PEM, for --acme-ca-file
}

func listenPebble(t *testing.T, dir string) *testPebble {
	t.Helper()
	p := &testPebble{web: edgetest.NewCA(t)}
	var err error
	if p.dirLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if p.mgmtLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	p.caFile = filepath.Join(dir, "acme-web-ca.pem")
	if err := os.WriteFile(p.caFile, p.web.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *testPebble) directory() string {
	return "https://" + p.dirLn.Addr().String() + wfe.DirectoryPath
}

// serve starts pebble once the port to validate on is known.
func (p *testPebble) serve(t *testing.T, tlsPort, httpPort int, resolver string) {
	t.Helper()
	// No random pause before validating (it only slows tests down); the
	// validation itself still runs.
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	logger := log.New(io.Discard, "", 0)
	if testing.Verbose() {
		logger = log.New(os.Stderr, "pebble ", log.Lmicroseconds)
	}
	store := db.NewMemoryStore()
	issuer := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "default"}})
	validator := va.New(logger, httpPort, tlsPort, false, resolver, store)
	front := wfe.New(logger, store, validator, issuer, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	leaf := p.web.Issue(t, "127.0.0.1")
	for _, s := range []struct {
		ln net.Listener
		h  http.Handler
	}{{p.dirLn, front.Handler()}, {p.mgmtLn, front.ManagementHandler()}} {
		hs := &http.Server{Handler: s.h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: logger,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{leaf.TLS}, MinVersion: tls.VersionTLS12}}
		done := make(chan struct{})
		go func() { defer close(done); _ = hs.ServeTLS(s.ln, "", "") }()
		t.Cleanup(func() { _ = hs.Close(); <-done })
	}
}

// issuingRoots fetches the root pebble issues under from its management
// API.
func (p *testPebble) issuingRoots(t *testing.T) *x509.CertPool {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: p.web.ClientConfig()}}
	resp, err := hc.Get("https://" + p.mgmtLn.Addr().String() + wfe.RootCertPath + "0")
	if err != nil {
		t.Fatalf("pebble root: %v", err)
	}
	defer resp.Body.Close()
	pem, _ := io.ReadAll(resp.Body)
	roots := x509.NewCertPool()
	if resp.StatusCode != http.StatusOK || !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("pebble root: status %d, %q", resp.StatusCode, pem)
	}
	return roots
}

// acmeService is quickhelp-server serving with --acme-domain against
// pebble, with clients that reach the names at its loopback port.
type acmeService struct {
	dir, addr, port string
	resolver        *testDNS
	roots           *x509.CertPool // pebble's issuing root
	hc              *http.Client   // trusts roots only
	dialer          *net.Dialer
	cancel          context.CancelFunc
	done            <-chan error
}

const acmeName, acmeOther = "help.quickhelp.test", "other.quickhelp.test"

// startACMEService starts pebble and the service. With httpPort (for
// --acme-http), pebble validates TLS-ALPN-01 on a closed port, so only
// HTTP-01 can succeed; without, it validates on the service's one port
// (443 in the field).
func startACMEService(t *testing.T, httpPort int) *acmeService {
	t.Helper()
	s := &acmeService{dir: t.TempDir(), resolver: startTestDNS(t, acmeName, acmeOther),
		dialer: &net.Dialer{Timeout: 5 * time.Second}}
	peb := listenPebble(t, s.dir)
	var ctx context.Context
	ctx, s.cancel = context.WithCancel(context.Background())
	t.Cleanup(s.cancel)
	args := []string{"--data", s.dir, "--listen", "127.0.0.1:0", "--turn-listen", "127.0.0.1:0",
		"--acme-domain", acmeName, "--acme-email", "ops@quickhelp.test",
		"--acme-directory", peb.directory(), "--acme-ca-file", peb.caFile}
	if httpPort != 0 {
		args = append(args, "--acme-http", "127.0.0.1:"+strconv.Itoa(httpPort))
	}
	s.addr, s.done = startServe(t, ctx, s.dir, args...)
	_, s.port, _ = net.SplitHostPort(s.addr)
	if httpPort == 0 {
		peb.serve(t, addrPort(s.addr), 0, s.resolver.addr)
	} else {
		peb.serve(t, freePort(t), httpPort, s.resolver.addr)
	}
	s.roots = peb.issuingRoots(t)
	s.hc = &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return s.dialer.DialContext(ctx, network, s.addr)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

func (s *acmeService) base() string { return "https://" + acmeName + ":" + s.port }

// waitHTTPS polls the health endpoint until the issued certificate is
// served, and checks it.
func (s *acmeService) waitHTTPS(t *testing.T) {
	t.Helper()
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(45 * time.Second); ; {
		if resp, err = s.hc.Get(s.base() + wire.PathHealth); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS with a certificate from the ACME CA: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("healthz: status %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	if leaf := resp.TLS.PeerCertificates[0]; len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != acmeName {
		t.Errorf("certificate names %v, want [%s]", leaf.DNSNames, acmeName)
	}
	if s.resolver.queried(acmeName) == 0 {
		t.Error("pebble never resolved the name: the certificate was not validated")
	}
	cache := filepath.Join(s.dir, "acme")
	if fi, err := os.Stat(cache); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("ACME cache %v: %v", fi, err)
	}
	// The cache is written right after the certificate is first served.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(cache, "*", acmeName))
		if len(m) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("cached certificate of %s: %v", acmeName, m)
			break
		}
	}
}

func (s *acmeService) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	if err := <-s.done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// TestServeACME runs the real serve path with --acme-domain against pebble:
// the service obtains a certificate through TLS-ALPN-01 answered on its one
// port (pebble resolves the name through the test's DNS and connects
// there), then HTTPS and TURN over TLS work on that port with the issued
// certificate, and a name outside --acme-domain gets no certificate.
func TestServeACME(t *testing.T) {
	s := startACMEService(t, 0)
	s.waitHTTPS(t)

	// TURN over TLS on the same port, announced under the name.
	_, cr := createSession(t, context.Background(), s.base(), s.hc, s.dir)
	turns := cr.ICEServers[len(cr.ICEServers)-1]
	if want := "turns:" + acmeName + ":" + s.port + "?transport=tcp"; turns.URLs[0] != want {
		t.Errorf("turns URL %q, want %q", turns.URLs[0], want)
	}
	allocateOverTLS(t, &tls.Config{RootCAs: s.roots, ServerName: acmeName, MinVersion: tls.VersionTLS12}, s.addr, turns)

	// Pebble validated on the one port: its acme-tls/1 handshakes (one per
	// validation perspective) were answered there.
	resp, err := s.hc.Get(s.base() + wire.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(metrics), "quickhelp_tls_acme_validations_total 0\n") ||
		!strings.Contains(string(metrics), "quickhelp_tls_acme_validations_total ") {
		t.Errorf("no TLS-ALPN-01 validation counted on the port:\n%s", metrics)
	}

	// A name outside --acme-domain: no certificate, no order (pebble would
	// have had to resolve it to validate).
	c, err := tls.DialWithDialer(s.dialer, "tcp", s.addr, &tls.Config{RootCAs: s.roots, ServerName: acmeOther, MinVersion: tls.VersionTLS12})
	if err == nil {
		c.Close()
		t.Errorf("handshake for %s succeeded", acmeOther)
	}
	if n := s.resolver.queried(acmeOther); n != 0 {
		t.Errorf("pebble resolved %s %d times: an order was placed for it", acmeOther, n)
	}
	if m, _ := filepath.Glob(filepath.Join(s.dir, "acme", "*", acmeOther+"*")); len(m) != 0 {
		t.Errorf("cache holds %v", m)
	}
	s.stop(t)
}

// TestServeACMEHTTP01: with --acme-http the certificate also comes through
// HTTP-01 when TLS-ALPN-01 cannot reach the port, and other requests on
// that listener are redirected to HTTPS.
func TestServeACMEHTTP01(t *testing.T) {
	httpPort := freePort(t)
	s := startACMEService(t, httpPort)
	s.waitHTTPS(t)
	hc := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:"+strconv.Itoa(httpPort)+"/healthz", nil)
	req.Host = acmeName
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "https://"+acmeName+"/healthz" {
		t.Errorf("plain HTTP: %d to %q, want a redirect to https", resp.StatusCode, loc)
	}
	s.stop(t)
}

// freePort returns a loopback TCP port that was free a moment ago (for
// listeners whose port must be known before they open).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return addrPort(ln.Addr().String())
}

func addrPort(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

func TestParseServeACME(t *testing.T) {
	public := []string{"--listen", ":443", "--turn-listen", "off"}
	tests := []parseServeTest{
		{"acme on a public port", append([]string{"--acme-domain", "Help.Example.com., help2.example.com"}, public...), nil, "", func(c serveConfig) bool {
			return c.hasTLS() && strings.Join(c.acme.domains, ",") == "help.example.com,help2.example.com" &&
				c.publicHost == "help.example.com" && c.acme.directory == "https://acme-v02.api.letsencrypt.org/directory" && c.acme.httpAddr == ""
		}},
		{"acme from env", public, map[string]string{"QUICKHELP_ACME_DOMAIN": "help.example.com", "QUICKHELP_ACME_EMAIL": "ops@example.com",
			"QUICKHELP_ACME_DIRECTORY": "https://ca.lab.example/acme/directory", "QUICKHELP_ACME_HTTP": ":80"}, "", func(c serveConfig) bool {
			return len(c.acme.domains) == 1 && c.acme.email == "ops@example.com" &&
				c.acme.directory == "https://ca.lab.example/acme/directory" && c.acme.httpAddr == ":80"
		}},
		{"public host kept", append([]string{"--acme-domain", "help.example.com", "--public-host", "help.example.com:8443"}, public...), nil, "", func(c serveConfig) bool {
			return c.publicHost == "help.example.com:8443"
		}},
		{"with a certificate file", []string{"--acme-domain", "help.example.com", "--tls-cert", "c", "--tls-key", "k"}, nil, "mutually exclusive", nil},
		{"with a key file", []string{"--acme-domain", "help.example.com", "--tls-key", "k"}, nil, "mutually exclusive", nil},
		{"wildcard", []string{"--acme-domain", "*.example.com"}, nil, "wildcards", nil},
		{"IP address", []string{"--acme-domain", "203.0.113.10"}, nil, "IP address", nil},
		{"single label", []string{"--acme-domain", "localhost"}, nil, "full DNS name", nil},
		{"bad label", []string{"--acme-domain", "help-.example.com"}, nil, "valid DNS name", nil},
		{"plain http directory", []string{"--acme-domain", "help.example.com", "--acme-directory", "http://ca.example/dir"}, nil, "https://", nil},
		{"acme-http alone", []string{"--acme-http", ":80"}, nil, "needs --acme-domain", nil},
		{"public TLS, loopback relay", []string{"--acme-domain", "help.example.com", "--listen", ":443"}, nil, "needs a public relay", nil},
	}
	checkParseServe(t, tests)
}

// TestACMECacheDirPerCA keeps each CA's certificates apart, so a staging
// certificate is never served after switching to production.
func TestACMECacheDirPerCA(t *testing.T) {
	a := acmeCacheDir("/d", "https://acme-staging-v02.api.letsencrypt.org/directory")
	b := acmeCacheDir("/d", "https://acme-v02.api.letsencrypt.org/directory")
	c := acmeCacheDir("/d", "https://127.0.0.1:14000/dir")
	if a == b || filepath.Dir(a) != "/d/acme" || filepath.Dir(b) != "/d/acme" || strings.ContainsAny(filepath.Base(c), ":/") {
		t.Errorf("cache dirs %q, %q, %q", a, b, c)
	}
}
