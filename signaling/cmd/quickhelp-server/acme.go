package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/quickhelp/quickhelp/internal/version"
)

// acmeConfig is the part of serveConfig about certificates from ACME.
type acmeConfig struct {
	domains   []string // empty: ACME is off
	email     string
	directory string // ACME directory URL
	caFile    string // optional PEM roots for the directory's HTTPS
	httpAddr  string // optional HTTP-01 listener, "" = off
}

// acmeFlags declares the ACME flags; the returned --acme-domain list is
// checked by parseACMEDomains.
func acmeFlags(fs *flag.FlagSet, e env, a *acmeConfig) *string {
	domains := fs.String("acme-domain", e.getenv("QUICKHELP_ACME_DOMAIN"), "comma-separated names to obtain the TLS certificate for from ACME (TLS-ALPN-01 on the listen port); instead of --tls-cert (env QUICKHELP_ACME_DOMAIN)")
	fs.StringVar(&a.email, "acme-email", e.getenv("QUICKHELP_ACME_EMAIL"), "contact address given to the ACME CA (env QUICKHELP_ACME_EMAIL)")
	fs.StringVar(&a.directory, "acme-directory", envOr(e, "QUICKHELP_ACME_DIRECTORY", autocert.DefaultACMEDirectory), "ACME directory URL: Let's Encrypt production by default; a staging or private CA for tests and labs (env QUICKHELP_ACME_DIRECTORY)")
	fs.StringVar(&a.caFile, "acme-ca-file", e.getenv("QUICKHELP_ACME_CA_FILE"), "PEM roots to trust for the ACME directory's HTTPS, for a private CA (default: the system roots) (env QUICKHELP_ACME_CA_FILE)")
	fs.StringVar(&a.httpAddr, "acme-http", e.getenv("QUICKHELP_ACME_HTTP"), "also answer ACME HTTP-01 on this address (e.g. :80) and redirect other requests there to HTTPS; off by default (env QUICKHELP_ACME_HTTP)")
	return domains
}

// parseACMEDomains splits --acme-domain and checks every name: a DNS
// name of at least two labels, no wildcard (TLS-ALPN-01 cannot validate
// one) and no IP address.
func parseACMEDomains(list string) ([]string, error) {
	var out []string
	for _, d := range strings.Split(list, ",") {
		d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
		if d == "" {
			continue
		}
		if err := checkACMEDomain(d); err != nil {
			return nil, fmt.Errorf("--acme-domain %q: %w", d, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func checkACMEDomain(d string) error {
	if net.ParseIP(d) != nil {
		return errors.New("an IP address, not a name")
	}
	if len(d) > 253 || !strings.Contains(d, ".") {
		return errors.New("not a full DNS name")
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("not a valid DNS name")
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return errors.New("not a valid DNS name (wildcards and non-ASCII names are not supported)")
			}
		}
	}
	return nil
}

// validateACME checks the ACME flags against each other and the TLS ones.
func validateACME(c *serveConfig) error {
	a := &c.acme
	if len(a.domains) == 0 {
		if a.httpAddr != "" {
			return errors.New("--acme-http needs --acme-domain")
		}
		return nil
	}
	if c.tlsCert != "" || c.tlsKey != "" {
		return errors.New("--acme-domain and --tls-cert/--tls-key are mutually exclusive: " +
			"either the service obtains its certificate from ACME or you give it one")
	}
	u, err := url.Parse(a.directory)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("--acme-directory %q: want an https:// URL", a.directory)
	}
	if c.publicHost == "" {
		// Clients reach the port by the certificate's name: the turns:
		// URLs must carry it too.
		c.publicHost = a.domains[0]
	}
	return nil
}

// acmeCacheDir is the certificate cache for one ACME directory under the
// data directory: certificates from a staging or test CA are never served
// after switching to another CA.
func acmeCacheDir(data, directory string) string {
	u, _ := url.Parse(directory)
	sum := sha256.Sum256([]byte(directory))
	host := strings.NewReplacer(":", "_", "/", "_").Replace(u.Host)
	return filepath.Join(data, "acme", host+"-"+hex.EncodeToString(sum[:4]))
}

// newACMEManager returns the certificate manager: only the configured
// names, keys and certificates cached under the data directory (0700).
func newACMEManager(a acmeConfig, data string) (*autocert.Manager, error) {
	dir := acmeCacheDir(data, a.directory)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ACME cache: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if a.caFile != "" {
		pem, err := os.ReadFile(a.caFile)
		if err != nil {
			return nil, fmt.Errorf("--acme-ca-file: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--acme-ca-file %s: no PEM certificates", a.caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return &autocert.Manager{
		// Setting --acme-domain is the operator's acceptance of the CA's
		// terms of service.
		Prompt:     autocert.AcceptTOS,
		Cache:      autocert.DirCache(dir),
		HostPolicy: autocert.HostWhitelist(a.domains...),
		Email:      a.email,
		Client: &acme.Client{
			DirectoryURL: a.directory,
			HTTPClient:   &http.Client{Transport: tr, Timeout: time.Minute},
			UserAgent:    "quickhelp-server/" + version.Version,
		},
	}, nil
}

// acmeWarmup obtains (or loads) the certificate of every name at start,
// so the first client does not wait for issuance inside its handshake.
// A failure is retried with a growing pause (CAs limit failed
// validations); handshakes retry on their own meanwhile.
type acmeWarmup struct {
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

func startACMEWarmup(m *autocert.Manager, domains []string, log *slog.Logger) *acmeWarmup {
	ctx, cancel := context.WithCancel(context.Background())
	w := &acmeWarmup{cancel: cancel}
	for _, d := range domains {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			hello := &tls.ClientHelloInfo{
				ServerName:        d,
				CipherSuites:      []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
				SignatureSchemes:  []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256},
				SupportedCurves:   []tls.CurveID{tls.CurveP256},
				SupportedVersions: []uint16{tls.VersionTLS13, tls.VersionTLS12},
			}
			for pause := time.Minute; ; pause = min(2*pause, time.Hour) {
				cert, err := m.GetCertificate(hello)
				if err == nil {
					if cert.Leaf != nil {
						log.Info("ACME certificate ready", "domain", d, "not_after", cert.Leaf.NotAfter.UTC())
					}
					return
				}
				log.Warn("ACME certificate not obtained yet", "domain", d, "err", err, "retry_in", pause)
				select {
				case <-ctx.Done():
					return
				case <-time.After(pause):
				}
			}
		}()
	}
	return w
}

// Stop ends the retries. A GetCertificate call in flight has no context
// (autocert bounds it at 5 minutes), so Stop waits for it at most a few
// seconds: the process is going away and the cache write is atomic.
func (w *acmeWarmup) Stop() {
	w.cancel()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// startACMEHTTP serves HTTP-01 challenges on addr (port 80 in the field);
// every other request is redirected to HTTPS. It returns a stop function.
func startACMEHTTP(addr string, m *autocert.Manager, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--acme-http: %w", err)
	}
	challenges := m.HTTPHandler(nil)
	// The CA asks for port 80, whose Host header carries no port; behind a
	// port forward (or in tests) it does, and the host policy compares bare
	// names. The redirect of other requests goes to https://NAME/ (443).
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host, _, err := net.SplitHostPort(r.Host); err == nil {
			r.Host = host
		}
		challenges.ServeHTTP(w, r)
	})
	hs := &http.Server{
		Handler: bare, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute,
		MaxHeaderBytes: 8 << 10, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("ACME HTTP-01 listener stopped", "err", err)
		}
	}()
	log.Info("ACME HTTP-01 listening", "addr", ln.Addr().String())
	return func() { _ = hs.Close(); <-done }, nil
}
