package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/acme/autocert"

	"github.com/quickhelp/quickhelp/signaling/adminui"
	"github.com/quickhelp/quickhelp/signaling/cluster"
	"github.com/quickhelp/quickhelp/signaling/edge"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/telemetry"
	"github.com/quickhelp/quickhelp/signaling/turn"
	"github.com/quickhelp/quickhelp/wire"

	"github.com/quickhelp/quickhelp/internal/version"
)

// serveConfig is everything serve reads from flags and environment.
type serveConfig struct {
	data, listen, tlsCert, tlsKey      string
	databaseURL                        string
	nats                               cluster.Config
	insecureHTTP, trustProxy           bool
	origins, turnListen, turnPublicIP  string
	publicHost                         string
	turnTLS                            bool
	icePolicy                          string // "all" or "relay"
	dev                                string // "auto", "true", "false"
	logLevel                           string
	publicURL                          string
	codeTTL, retention, resume, tokens time.Duration
	auditRetention                     time.Duration
	maxConns                           int
	acme                               acmeConfig
}

// hasTLS reports whether the service terminates TLS itself: with a
// certificate file or one from ACME.
func (c serveConfig) hasTLS() bool { return c.tlsCert != "" || len(c.acme.domains) > 0 }

func parseServe(args []string, e env) (serveConfig, error) {
	var c serveConfig
	fs := newFlagSet("serve", e, &c.data)
	fs.StringVar(&c.databaseURL, "database-url", e.getenv("QUICKHELP_DATABASE_URL"), "postgres://... to share one PostgreSQL database between several nodes (default: SQLite in the data directory) (env QUICKHELP_DATABASE_URL)")
	fs.StringVar(&c.nats.URL, "nats-url", e.getenv("QUICKHELP_NATS_URL"), "nats:// or tls:// URL(s) of the NATS bus that carries sessions between nodes; needs --database-url (env QUICKHELP_NATS_URL)")
	fs.StringVar(&c.nats.CredsFile, "nats-creds", e.getenv("QUICKHELP_NATS_CREDS"), "NATS credentials file (env QUICKHELP_NATS_CREDS)")
	fs.StringVar(&c.nats.CAFile, "nats-ca", e.getenv("QUICKHELP_NATS_CA"), "CA certificate of the NATS servers (env QUICKHELP_NATS_CA)")
	fs.StringVar(&c.nats.CertFile, "nats-cert", e.getenv("QUICKHELP_NATS_CERT"), "client certificate for NATS (env QUICKHELP_NATS_CERT)")
	fs.StringVar(&c.nats.KeyFile, "nats-key", e.getenv("QUICKHELP_NATS_KEY"), "client key for NATS (env QUICKHELP_NATS_KEY)")
	fs.StringVar(&c.listen, "listen", envOr(e, "QUICKHELP_LISTEN", "127.0.0.1:7443"), "HTTP listen address (env QUICKHELP_LISTEN)")
	fs.StringVar(&c.tlsCert, "tls-cert", e.getenv("QUICKHELP_TLS_CERT"), "TLS certificate file (env QUICKHELP_TLS_CERT)")
	fs.StringVar(&c.tlsKey, "tls-key", e.getenv("QUICKHELP_TLS_KEY"), "TLS key file (env QUICKHELP_TLS_KEY)")
	acmeDomains := acmeFlags(fs, e, &c.acme)
	fs.BoolVar(&c.insecureHTTP, "insecure-http", envBool(e, "QUICKHELP_INSECURE_HTTP"), "allow plain HTTP on a non-loopback address, e.g. behind a TLS proxy (env QUICKHELP_INSECURE_HTTP)")
	fs.BoolVar(&c.trustProxy, "trust-proxy-header", envBool(e, "QUICKHELP_TRUST_PROXY_HEADER"), "take the client address from the last X-Forwarded-For entry; only behind a proxy that sets it (env QUICKHELP_TRUST_PROXY_HEADER)")
	fs.StringVar(&c.origins, "origins", e.getenv("QUICKHELP_ORIGINS"), "comma-separated browser origin host patterns allowed on the session WebSocket (env QUICKHELP_ORIGINS)")
	fs.StringVar(&c.turnListen, "turn-listen", envOr(e, "QUICKHELP_TURN_LISTEN", turn.DefaultListen), `embedded TURN listen address (UDP and TCP), "off" to disable (env QUICKHELP_TURN_LISTEN)`)
	fs.StringVar(&c.turnPublicIP, "turn-public-ip", e.getenv("QUICKHELP_TURN_PUBLIC_IP"), "public IP announced for TURN relays (env QUICKHELP_TURN_PUBLIC_IP)")
	fs.StringVar(&c.publicHost, "public-host", e.getenv("QUICKHELP_PUBLIC_HOST"), "name[:port] clients reach the HTTPS port by, as in the certificate; announced in turns: URLs (default: the TURN public IP and the listen port) (env QUICKHELP_PUBLIC_HOST)")
	fs.BoolVar(&c.turnTLS, "turn-tls", envBoolOr(e, "QUICKHELP_TURN_TLS", true), "with TLS, also serve TURN over TLS on the HTTPS port (env QUICKHELP_TURN_TLS)")
	fs.StringVar(&c.icePolicy, "ice-policy", envOr(e, "QUICKHELP_ICE_POLICY", "all"), `"relay" makes every session relay-only through TURN; "all" lets organisations choose (env QUICKHELP_ICE_POLICY)`)
	fs.IntVar(&c.maxConns, "max-conns", intEnv(e, "QUICKHELP_MAX_CONNS", edge.DefaultMaxConns), "with TLS, connections open at once on the HTTPS port (env QUICKHELP_MAX_CONNS)")
	fs.StringVar(&c.dev, "dev", envOr(e, "QUICKHELP_DEV", "auto"), "dev mode: TURN may relay to loopback/private peers; auto = on only when TURN listens on loopback (env QUICKHELP_DEV)")
	fs.StringVar(&c.publicURL, "public-url", e.getenv("QUICKHELP_PUBLIC_URL"), "base URL browsers reach the service by, e.g. https://help.example.com; the provider callback is this plus /v1/auth/oidc/callback (default: the address each request came to) (env QUICKHELP_PUBLIC_URL)")
	fs.StringVar(&c.logLevel, "log-level", envOr(e, "QUICKHELP_LOG_LEVEL", "info"), "debug, info, warn or error (env QUICKHELP_LOG_LEVEL)")
	fs.DurationVar(&c.codeTTL, "code-ttl", durEnv(e, "QUICKHELP_CODE_TTL", server.MaxCodeTTL), "code lifetime, at most 10m (env QUICKHELP_CODE_TTL)")
	fs.DurationVar(&c.retention, "retention", durEnv(e, "QUICKHELP_RETENTION", 72*time.Hour), "session record retention, at most 72h (env QUICKHELP_RETENTION)")
	fs.DurationVar(&c.auditRetention, "audit-retention", durEnv(e, "QUICKHELP_AUDIT_RETENTION", server.DefaultAuditRetention), "how long the audit log of admin actions is kept; not session data, so not bound by --retention (env QUICKHELP_AUDIT_RETENTION)")
	fs.DurationVar(&c.resume, "resume-window", durEnv(e, "QUICKHELP_RESUME_WINDOW", 30*time.Second), "how long a dropped participant may come back (env QUICKHELP_RESUME_WINDOW)")
	fs.DurationVar(&c.tokens, "token-ttl", durEnv(e, "QUICKHELP_TOKEN_TTL", 12*time.Hour), "sign-in token lifetime (env QUICKHELP_TOKEN_TTL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.acme.domains, err = parseACMEDomains(*acmeDomains); err != nil {
		return c, err
	}
	if err := validateACME(&c); err != nil {
		return c, err
	}
	if c.nats.URL != "" && !strings.HasPrefix(c.databaseURL, "postgres") {
		return c, fmt.Errorf("--nats-url needs --database-url postgres://...: the nodes share their sessions through it")
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if !isLoopback(c.listen) && !c.hasTLS() && !c.insecureHTTP {
		return c, fmt.Errorf("refusing to serve plain HTTP on %s, which is not a loopback address: "+
			"give --tls-cert and --tls-key (or --acme-domain), or --insecure-http if a TLS proxy sits in front", c.listen)
	}
	switch c.dev {
	case "auto", "true", "false":
	default:
		return c, fmt.Errorf("--dev must be auto, true or false")
	}
	if c.icePolicy != wire.ICEPolicyAll && c.icePolicy != wire.ICEPolicyRelay {
		return c, fmt.Errorf("--ice-policy must be all or relay")
	}
	if c.icePolicy == wire.ICEPolicyRelay && c.turnListen == "off" && (!c.hasTLS() || !c.turnTLS) {
		return c, fmt.Errorf("--ice-policy relay needs the TURN relay: set --turn-listen or serve TLS with --turn-tls")
	}
	if c.auditRetention <= 0 {
		return c, fmt.Errorf("--audit-retention must be positive")
	}
	if c.maxConns <= 0 {
		return c, fmt.Errorf("--max-conns must be positive")
	}
	// Relay sockets bind the TURN listen address: a loopback one would hand
	// clients of a public HTTPS port relay addresses nobody can reach.
	if c.hasTLS() && c.turnTLS && !isLoopback(c.listen) && c.turnListen != "off" && isLoopback(c.turnListen) {
		return c, fmt.Errorf("TURN over TLS on the public port %s needs a public relay: set --turn-listen "+
			"(e.g. 0.0.0.0:3478 with --turn-public-ip), --turn-listen off (TURN on the HTTPS port only), or --turn-tls=false", c.listen)
	}
	return c, nil
}

func intEnv(e env, name string, def int) int {
	if v := e.getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func envBoolOr(e env, name string, def bool) bool {
	switch strings.ToLower(e.getenv(name)) {
	case "":
		return def
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func durEnv(e env, name string, def time.Duration) time.Duration {
	if v := e.getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// isLoopback reports whether a listen address binds only loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newLogger(e env, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: l})), nil
}

// subkey derives an independent key for one purpose from the server secret.
func subkey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func serve(ctx context.Context, args []string, e env) error {
	c, err := parseServe(args, e)
	if err != nil {
		return err
	}
	log, err := newLogger(e, c.logLevel)
	if err != nil {
		return err
	}
	dir, err := dataDir(c.data, e)
	if err != nil {
		return err
	}
	st, _, err := openDatabase(ctx, c.databaseURL, dir, e)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, err := serviceSecret(ctx, st, dir)
	if err != nil {
		return err
	}

	cfg := server.Config{
		Store: st, Secret: subkey(secret, "codes"), Logger: log, TrustProxyHeader: c.trustProxy,
		CodeTTL: c.codeTTL, Retention: c.retention, ResumeWindow: c.resume, TokenTTL: c.tokens,
		RelayOnly: c.icePolicy == wire.ICEPolicyRelay, AuditRetention: c.auditRetention, AdminFS: adminui.FS(),
		PublicURL: c.publicURL,
	}
	for _, o := range strings.Split(c.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.OriginPatterns = append(cfg.OriginPatterns, o)
		}
	}
	front, err := openFront(c, dir, log)
	if err != nil {
		return err
	}
	defer front.Close()
	if front.acme != nil {
		// HTTP-01 first: the manager offers it only once its handler exists.
		if c.acme.httpAddr != "" {
			stop, err := startACMEHTTP(c.acme.httpAddr, front.acme, log)
			if err != nil {
				return err
			}
			defer stop()
		}
		defer startACMEWarmup(front.acme, c.acme.domains, log).Stop()
	}
	ts, err := startTURN(c, front, subkey(secret, "turn"), st, log)
	if err != nil {
		return err
	}
	if ts != nil {
		defer ts.Close()
		cfg.ICE, cfg.TURNAllocations = ts, ts.Allocations
	}
	if c.nats.URL != "" {
		c.nats.Logger, c.nats.Name = log.With("component", "cluster"), "quickhelp-server"
		relay, err := cluster.Dial(c.nats)
		if err != nil {
			return err
		}
		defer relay.Close()
		cfg.Relay = relay
	}
	// Nodes sharing PostgreSQL count the rate limits together.
	cfg.SharedLimits = st.Backend() == "postgres"
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	if el := front.edge; el != nil {
		hs.Handler, hs.ConnContext = edge.WithTLSState(srv), edge.ConnContext
		srv.Metrics().SetEdgeStats(func() telemetry.EdgeStats {
			return telemetry.EdgeStats{Open: el.Open(), Refused: el.Refused(), TimedOut: el.TimedOut(), ACME: el.ACMEValidations()}
		})
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(front.http) }()
	scheme := "http"
	if c.hasTLS() {
		scheme = "https"
	}
	addr := front.raw.Addr().String()
	log.Info("serving", "url", scheme+"://"+addr, "data", dir, "version", version.Version, "ice_policy", c.icePolicy,
		"database", st.Backend())
	if e.ready != nil {
		e.ready(addr)
	}
	select {
	case err := <-errc:
		srv.Close()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if cfg.Relay != nil {
		// One node of several: its participants reconnect to the others.
		dctx, dcancel := context.WithTimeout(sctx, 10*time.Second)
		if err := srv.Drain(dctx); err != nil {
			log.Warn("sockets did not close in time", "err", err)
		}
		dcancel()
	}
	// Sessions first, so both sides get session-ended {reason: shutdown}.
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("sessions did not close in time", "err", err)
	}
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("HTTP shutdown", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// front is the service's listening port: plain HTTP on loopback (or behind
// a TLS proxy), or TLS shared between HTTP and TURN through package edge.
type front struct {
	raw  net.Listener      // the bound TCP port
	http net.Listener      // what the HTTP server accepts from
	edge *edge.Listener    // nil without TLS
	acme *autocert.Manager // nil without ACME
}

func (f *front) Close() {
	if f.edge != nil {
		_ = f.edge.Close()
		return
	}
	_ = f.raw.Close()
}

func openFront(c serveConfig, data string, log *slog.Logger) (*front, error) {
	if !c.hasTLS() {
		ln, err := net.Listen("tcp", c.listen)
		if err != nil {
			return nil, err
		}
		return &front{raw: ln, http: ln}, nil
	}
	f := &front{}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(c.acme.domains) > 0 {
		m, err := newACMEManager(c.acme, data)
		if err != nil {
			return nil, err
		}
		// The edge answers acme-tls/1 with the manager's challenge
		// certificates; names outside --acme-domain get no certificate.
		f.acme, tc.GetCertificate = m, m.GetCertificate
	} else {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("TLS certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return nil, err
	}
	el, err := edge.New(edge.Config{
		Listener: ln, TLS: tc, ACME: f.acme != nil,
		TURN: c.turnTLS, MaxConns: c.maxConns, Logger: log,
	})
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	f.raw, f.http, f.edge = ln, el.HTTP(), el
	return f, nil
}

// startTURN starts the embedded relay on its own UDP/TCP port and, with
// TLS, on the shared HTTPS port. It returns nil when TURN is off.
func startTURN(c serveConfig, f *front, key []byte, sessions turn.SessionChecker, log *slog.Logger) (*turn.Server, error) {
	var tlsLn net.Listener
	if f.edge != nil {
		tlsLn = f.edge.TURN()
	}
	if c.turnListen == "off" && tlsLn == nil {
		return nil, nil
	}
	listen := f.raw.Addr().(*net.TCPAddr)
	tc := turn.Config{ListenUDP: c.turnListen, ListenTCP: c.turnListen, PublicIP: c.turnPublicIP,
		Secret: key, Logger: log.With("component", "turn"), Sessions: sessions, DevMode: turnDevMode(c, tlsLn != nil)}
	if c.turnListen == "off" && tc.PublicIP == "" && !listen.IP.IsUnspecified() {
		// TURN only on the HTTPS port: it relays from that address.
		tc.PublicIP = listen.IP.String()
	}
	if tlsLn != nil {
		host, port, err := turnsHostPort(c, listen)
		if err != nil {
			return nil, err
		}
		tc.TLSListener, tc.TLSHost, tc.TLSPort = tlsLn, host, port
	}
	ts, err := turn.New(tc)
	if err != nil {
		return nil, fmt.Errorf("TURN: %w", err)
	}
	log.Info("TURN relay listening", "addr", c.turnListen, "tls", tlsLn != nil, "dev", tc.DevMode)
	return ts, nil
}

// turnDevMode decides --dev: "auto" allows relaying to loopback and
// private peers only while nobody off this computer can reach the relay:
// TURN listens on loopback and so does the HTTPS port when it carries
// TURN over TLS.
func turnDevMode(c serveConfig, turnOverTLS bool) bool {
	switch c.dev {
	case "true":
		return true
	case "false":
		return false
	}
	if c.turnListen != "off" && !isLoopback(c.turnListen) {
		return false
	}
	return !turnOverTLS || isLoopback(c.listen)
}

// turnsHostPort is the host and port announced in turns: URLs: those of
// --public-host, else the TURN public IP, else the listen IP, with the
// listen port when none is given. A wildcard listen address with neither
// flag cannot be announced.
func turnsHostPort(c serveConfig, listen *net.TCPAddr) (string, int, error) {
	host, port, err := publicHostPort(c.publicHost, listen)
	if err != nil {
		return "", 0, err
	}
	switch {
	case host != "":
	case c.turnPublicIP != "":
		host = c.turnPublicIP
	case !listen.IP.IsUnspecified():
		host = listen.IP.String()
	default:
		return "", 0, fmt.Errorf("TURN over TLS on %s: set --public-host to the name in the certificate "+
			"(or --turn-public-ip), or --turn-tls=false", c.listen)
	}
	return host, port, nil
}

// publicHostPort splits --public-host; a missing port is the listen port,
// a missing host is left to the relay (its public IP).
func publicHostPort(public string, listen net.Addr) (string, int, error) {
	port := listen.(*net.TCPAddr).Port
	if public == "" {
		return "", port, nil
	}
	host, p, err := net.SplitHostPort(public)
	if err != nil {
		return strings.Trim(public, "[]"), port, nil //nolint:nilerr // no port given
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 {
		return "", 0, fmt.Errorf("--public-host: bad port %q", p)
	}
	return host, n, nil
}
