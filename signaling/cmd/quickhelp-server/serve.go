package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/signaling/turn"

	"github.com/quickhelp/quickhelp/internal/version"
)

// serveConfig is everything serve reads from flags and environment.
type serveConfig struct {
	data, listen, tlsCert, tlsKey      string
	insecureHTTP, trustProxy           bool
	origins, turnListen, turnPublicIP  string
	dev                                string // "auto", "true", "false"
	logLevel                           string
	codeTTL, retention, resume, tokens time.Duration
}

func parseServe(args []string, e env) (serveConfig, error) {
	var c serveConfig
	fs := newFlagSet("serve", e, &c.data)
	fs.StringVar(&c.listen, "listen", envOr(e, "QUICKHELP_LISTEN", "127.0.0.1:7443"), "HTTP listen address (env QUICKHELP_LISTEN)")
	fs.StringVar(&c.tlsCert, "tls-cert", e.getenv("QUICKHELP_TLS_CERT"), "TLS certificate file (env QUICKHELP_TLS_CERT)")
	fs.StringVar(&c.tlsKey, "tls-key", e.getenv("QUICKHELP_TLS_KEY"), "TLS key file (env QUICKHELP_TLS_KEY)")
	fs.BoolVar(&c.insecureHTTP, "insecure-http", envBool(e, "QUICKHELP_INSECURE_HTTP"), "allow plain HTTP on a non-loopback address, e.g. behind a TLS proxy (env QUICKHELP_INSECURE_HTTP)")
	fs.BoolVar(&c.trustProxy, "trust-proxy-header", envBool(e, "QUICKHELP_TRUST_PROXY_HEADER"), "take the client address from the last X-Forwarded-For entry; only behind a proxy that sets it (env QUICKHELP_TRUST_PROXY_HEADER)")
	fs.StringVar(&c.origins, "origins", e.getenv("QUICKHELP_ORIGINS"), "comma-separated browser origin host patterns allowed on the session WebSocket (env QUICKHELP_ORIGINS)")
	fs.StringVar(&c.turnListen, "turn-listen", envOr(e, "QUICKHELP_TURN_LISTEN", turn.DefaultListen), `embedded TURN listen address (UDP and TCP), "off" to disable (env QUICKHELP_TURN_LISTEN)`)
	fs.StringVar(&c.turnPublicIP, "turn-public-ip", e.getenv("QUICKHELP_TURN_PUBLIC_IP"), "public IP announced for TURN relays (env QUICKHELP_TURN_PUBLIC_IP)")
	fs.StringVar(&c.dev, "dev", envOr(e, "QUICKHELP_DEV", "auto"), "dev mode: TURN may relay to loopback/private peers; auto = on only when TURN listens on loopback (env QUICKHELP_DEV)")
	fs.StringVar(&c.logLevel, "log-level", envOr(e, "QUICKHELP_LOG_LEVEL", "info"), "debug, info, warn or error (env QUICKHELP_LOG_LEVEL)")
	fs.DurationVar(&c.codeTTL, "code-ttl", durEnv(e, "QUICKHELP_CODE_TTL", server.MaxCodeTTL), "code lifetime, at most 10m (env QUICKHELP_CODE_TTL)")
	fs.DurationVar(&c.retention, "retention", durEnv(e, "QUICKHELP_RETENTION", 72*time.Hour), "session record retention, at most 72h (env QUICKHELP_RETENTION)")
	fs.DurationVar(&c.resume, "resume-window", durEnv(e, "QUICKHELP_RESUME_WINDOW", 30*time.Second), "how long a dropped participant may come back (env QUICKHELP_RESUME_WINDOW)")
	fs.DurationVar(&c.tokens, "token-ttl", durEnv(e, "QUICKHELP_TOKEN_TTL", 12*time.Hour), "sign-in token lifetime (env QUICKHELP_TOKEN_TTL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if !isLoopback(c.listen) && c.tlsCert == "" && !c.insecureHTTP {
		return c, fmt.Errorf("refusing to serve plain HTTP on %s, which is not a loopback address: "+
			"give --tls-cert and --tls-key, or --insecure-http if a TLS proxy sits in front", c.listen)
	}
	switch c.dev {
	case "auto", "true", "false":
	default:
		return c, fmt.Errorf("--dev must be auto, true or false")
	}
	return c, nil
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
	secret, err := auth.LoadOrCreateSecret(filepath.Join(dir, "secret"))
	if err != nil {
		return err
	}
	st, err := store.Open(filepath.Join(dir, "quickhelp.db"))
	if err != nil {
		return err
	}
	defer st.Close()

	cfg := server.Config{
		Store: st, Secret: subkey(secret, "codes"), Logger: log, TrustProxyHeader: c.trustProxy,
		CodeTTL: c.codeTTL, Retention: c.retention, ResumeWindow: c.resume, TokenTTL: c.tokens,
	}
	for _, o := range strings.Split(c.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.OriginPatterns = append(cfg.OriginPatterns, o)
		}
	}
	if c.turnListen != "off" {
		dev := c.dev == "true" || (c.dev == "auto" && isLoopback(c.turnListen))
		ts, err := turn.New(turn.Config{ListenUDP: c.turnListen, ListenTCP: c.turnListen, PublicIP: c.turnPublicIP,
			Secret: subkey(secret, "turn"), DevMode: dev, Logger: log.With("component", "turn"), Sessions: st})
		if err != nil {
			return fmt.Errorf("TURN: %w", err)
		}
		defer ts.Close()
		cfg.ICE, cfg.TURNAllocations = ts, ts.Allocations
		log.Info("TURN relay listening", "addr", c.turnListen, "dev", dev)
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		srv.Close()
		return err
	}
	hs := &http.Server{
		Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- hs.ServeTLS(ln, c.tlsCert, c.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	log.Info("serving", "url", scheme+"://"+ln.Addr().String(), "data", dir, "version", version.Version)
	if e.ready != nil {
		e.ready(ln.Addr().String())
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
