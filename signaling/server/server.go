// Package server is QuickHelp's HTTP service: sign-in, session codes, join,
// the session WebSocket that pairs a helper with a sharer and relays chat and
// WebRTC signaling between them, abuse reports, the admin API, health and
// metrics.
package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/signaling/codes"
	"github.com/quickhelp/quickhelp/signaling/oidc"
	"github.com/quickhelp/quickhelp/signaling/ratelimit"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/signaling/telemetry"
	"github.com/quickhelp/quickhelp/wire"
)

// ICEProvider hands out the STUN/TURN servers (with credentials) for one
// session. The embedded TURN relay implements it.
type ICEProvider interface {
	ICEServers(sessionID string) []wire.ICEServer
}

// DefaultAuditRetention is how long admin actions are kept by default.
const DefaultAuditRetention = telemetry.DefaultAuditRetention

// MaxCodeTTL is the longest a code may live.
const MaxCodeTTL = 10 * time.Minute

// Config configures a Server. Durations left zero take the defaults named.
type Config struct {
	// Store is required. The caller owns it and closes it after Close.
	Store *store.Store
	// Secret keys the code hashes; required, at least 32 bytes.
	Secret []byte

	// Logger is optional; nil discards.
	Logger *slog.Logger
	// Now is the clock; optional, nil means time.Now.
	Now func() time.Time
	// ICE is optional; nil means no ICE servers are handed out.
	ICE ICEProvider
	// Relay carries sessions between service nodes; optional, nil means
	// LocalRelay (one process holds both participants of every session).
	Relay Relay
	// SharedLimits counts the rate limits (sign-in, join, join breaker,
	// session creation) in the store, so that nodes sharing it count
	// together; otherwise each process counts in memory.
	SharedLimits bool
	// RelayOnly makes every session relay-only, whatever the organisation
	// chose (quickhelp-server --ice-policy relay).
	RelayOnly bool
	// TURNAllocations feeds the TURN allocations gauge; optional.
	TURNAllocations func() int64
	// OriginPatterns are the browser origins allowed on the session
	// WebSocket (host patterns as in coder/websocket). Requests without an
	// Origin header (native clients) are always allowed.
	OriginPatterns []string
	// TrustProxyHeader makes the client address come from the last entry
	// of X-Forwarded-For. Only set it behind a proxy that sets the header.
	TrustProxyHeader bool

	// AdminFS holds the admin console's built pages (index.html and its
	// assets), served under /admin/; optional, nil serves none.
	AdminFS fs.FS
	// AuditRetention is how long the audit log of admin actions is kept;
	// default DefaultAuditRetention. It is not session data, so the 72 h
	// limit does not apply.
	AuditRetention time.Duration
	// AdminSessionTTL bounds an admin console session from its sign-in;
	// default 8 h. AdminIdle ends it after that long unused; default 30 min.
	AdminSessionTTL time.Duration
	AdminIdle       time.Duration

	CodeTTL      time.Duration // default and maximum 10 min
	TokenTTL     time.Duration // sign-in tokens; default 12 h
	SessionTTL   time.Duration // participant tokens; default 12 h
	ResumeWindow time.Duration // default 30 s
	// RestartWindow is how long a session waits for a sharer whose
	// computer restarts; default and maximum MaxRestartWindow.
	RestartWindow time.Duration
	Retention     time.Duration // default and maximum 72 h
	PurgeInterval time.Duration // default 5 min; negative disables the background job

	JoinRules    []ratelimit.Rule // failed joins per client; default 5/min and 20/h
	LoginRules   []ratelimit.Rule // failed sign-ins per client; default 10/min and 50/h
	AccountRules []ratelimit.Rule // failed sign-ins per (account, client); default 5/min and 20/h
	// LoginHashes bounds password hashes in flight; default 4 per client
	// (waiting or running),
	// max(2, GOMAXPROCS) at once, 32 waiting at most 2 s.
	LoginHashes ratelimit.InFlightConfig
	// JoinBreaker trips on failed joins across all clients and then
	// refuses only failing prefixes (IPv4 /24, IPv6 /56); default: more
	// than 1000 failures/min trip it for 1 min.
	JoinBreaker   ratelimit.BreakerConfig
	HelperCreates []ratelimit.Rule // sessions created per helper; default 20/min and 200/h
	OrgCreates    []ratelimit.Rule // sessions created per organisation; default 200/min and 5000/h
	// PolicyInterval is how often live sessions are re-checked against the
	// store for a suspended helper, a disabled organisation or an end
	// written by another process; default 1 s, negative disables.
	PolicyInterval time.Duration
	SendQueue      int           // messages queued per connection; default 64
	WriteTimeout   time.Duration // per WebSocket write; default 10 s
	PingInterval   time.Duration // WebSocket keep-alive; default 20 s

	// PublicURL is the base URL browsers reach the service by
	// (https://help.example.com), for the provider callback address;
	// optional, empty means the address each request came to.
	PublicURL string
	// OIDCHTTPClient makes the calls to organisations' providers; optional.
	OIDCHTTPClient *http.Client
	// OIDCRecheck is how often a provider sign-in is re-checked with the
	// provider; default 1 h.
	OIDCRecheck time.Duration
	// OIDCPendingMax bounds sign-ins waiting at a provider and unused
	// one-time codes; default 10 000 each.
	OIDCPendingMax int
	// OIDCRules bound sign-in steps with a provider (starts, callbacks,
	// look-ups) per client; default 30/min and 300/h.
	OIDCRules []ratelimit.Rule
}

func (c *Config) setDefaults() error {
	if c.Store == nil {
		return fmt.Errorf("%w: Store is required", ErrConfig)
	}
	if len(c.Secret) < codes.MinKeyLen {
		return fmt.Errorf("%w: Secret must be at least %d bytes", ErrConfig, codes.MinKeyLen)
	}
	if c.CodeTTL > MaxCodeTTL || c.CodeTTL < 0 {
		return fmt.Errorf("%w: CodeTTL %v exceeds %v", ErrConfig, c.CodeTTL, MaxCodeTTL)
	}
	if c.Retention > telemetry.MaxRetention || c.Retention < 0 {
		return fmt.Errorf("%w: Retention %v exceeds %v", ErrConfig, c.Retention, telemetry.MaxRetention)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.CodeTTL, MaxCodeTTL)
	def(&c.TokenTTL, 12*time.Hour)
	def(&c.SessionTTL, 12*time.Hour)
	def(&c.ResumeWindow, 30*time.Second)
	if c.RestartWindow > MaxRestartWindow || c.RestartWindow < 0 {
		return fmt.Errorf("%w: RestartWindow %v exceeds %v", ErrConfig, c.RestartWindow, MaxRestartWindow)
	}
	def(&c.RestartWindow, MaxRestartWindow)
	def(&c.Retention, telemetry.MaxRetention)
	def(&c.WriteTimeout, 10*time.Second)
	def(&c.AuditRetention, DefaultAuditRetention)
	def(&c.AdminSessionTTL, 8*time.Hour)
	def(&c.AdminIdle, 30*time.Minute)
	def(&c.PingInterval, 20*time.Second)
	if c.PurgeInterval == 0 {
		c.PurgeInterval = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Relay == nil {
		c.Relay = LocalRelay{}
	}
	if len(c.JoinRules) == 0 {
		c.JoinRules = []ratelimit.Rule{{Window: time.Minute, Max: 5}, {Window: time.Hour, Max: 20}}
	}
	if len(c.LoginRules) == 0 {
		c.LoginRules = []ratelimit.Rule{{Window: time.Minute, Max: 10}, {Window: time.Hour, Max: 50}}
	}
	if len(c.AccountRules) == 0 {
		c.AccountRules = []ratelimit.Rule{{Window: time.Minute, Max: 5}, {Window: time.Hour, Max: 20}}
	}
	if c.LoginHashes == (ratelimit.InFlightConfig{}) {
		c.LoginHashes = ratelimit.InFlightConfig{PerKey: 4, Slots: max(2, runtime.GOMAXPROCS(0)), Waiting: 32, Wait: 2 * time.Second}
	}
	if len(c.HelperCreates) == 0 {
		c.HelperCreates = []ratelimit.Rule{{Window: time.Minute, Max: 20}, {Window: time.Hour, Max: 200}}
	}
	if len(c.OrgCreates) == 0 {
		c.OrgCreates = []ratelimit.Rule{{Window: time.Minute, Max: 200}, {Window: time.Hour, Max: 5000}}
	}
	if c.PolicyInterval == 0 {
		c.PolicyInterval = time.Second
	}
	if c.JoinBreaker == (ratelimit.BreakerConfig{}) {
		c.JoinBreaker = ratelimit.BreakerConfig{Threshold: 1000, Window: time.Minute, Cooldown: time.Minute}
	}
	def(&c.OIDCRecheck, time.Hour)
	if c.OIDCPendingMax <= 0 {
		c.OIDCPendingMax = 10000
	}
	if len(c.OIDCRules) == 0 {
		c.OIDCRules = []ratelimit.Rule{{Window: time.Minute, Max: 30}, {Window: time.Hour, Max: 300}}
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 64
	}
	return nil
}

// Server is the QuickHelp HTTP service. It implements http.Handler.
type Server struct {
	cfg            Config
	log            *slog.Logger
	store          *store.Store
	hasher         *codes.Hasher
	metrics        *telemetry.Metrics
	joinLimiter    limiter
	loginLimiter   limiter
	accountLimiter limiter
	loginHashes    *ratelimit.InFlight
	helperCreates  limiter
	orgCreates     limiter
	breaker        breaker
	oidcLimiter    limiter
	oidc           *oidc.Client
	sealer         *oidc.Sealer
	hub            *hub
	relay          Relay
	csrfKey        []byte // keys the admin console's CSRF tokens
	usage          *usageWriter
	handler        http.Handler

	// ctx is the server's lifetime; cancel stops the background job.
	ctx    context.Context
	cancel context.CancelFunc
	// trackMu orders wg.Add by WebSocket handlers before Shutdown's
	// wg.Wait: once closed is set no handler is added.
	trackMu sync.Mutex
	// wg tracks the background job and every WebSocket handler.
	wg     sync.WaitGroup
	closed atomic.Bool
	// draining: Drain was called; sessions are left to other nodes.
	draining atomic.Bool
}

// track registers a WebSocket handler with wg unless shutting down; the
// caller must call s.wg.Done when it returns true.
func (s *Server) track() bool {
	s.trackMu.Lock()
	defer s.trackMu.Unlock()
	if s.closed.Load() {
		return false
	}
	s.wg.Add(1)
	return true
}

// New validates cfg and returns a Server whose retention job is running.
// Call Close (or Shutdown) to stop it.
func New(cfg Config) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	hasher, err := codes.NewHasher(cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "server"),
		store:   cfg.Store,
		relay:   cfg.Relay,
		hasher:  hasher,
		metrics: telemetry.NewMetrics(cfg.TURNAllocations),
		csrfKey: subkey(cfg.Secret, "admin-csrf"),
	}
	if err := s.newLimits(); err != nil {
		return nil, err
	}
	if s.sealer, err = oidc.NewSealer(cfg.Secret); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s.oidc = oidc.New(oidc.Config{HTTPClient: cfg.OIDCHTTPClient})
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.hub = newHub(s)
	s.usage = newUsageWriter()
	s.wg.Add(1)
	go s.runUsageWriter()
	if cfg.PolicyInterval > 0 {
		s.wg.Add(1)
		go s.runPolicyWatch()
	}
	if _, local := cfg.Relay.(LocalRelay); !local {
		s.wg.Add(1)
		go s.runLiveness()
	}
	s.handler = s.routes()
	if cfg.PurgeInterval > 0 {
		j, err := telemetry.NewJanitor(telemetry.JanitorConfig{
			Store: cfg.Store, Retention: cfg.Retention, AuditRetention: cfg.AuditRetention, Interval: cfg.PurgeInterval, Now: cfg.Now,
			Logger: cfg.Logger.With("component", "retention"), OnExpired: s.codesExpired,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			j.Run(s.ctx)
		}()
	}
	return s, nil
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Metrics returns the server's counters.
func (s *Server) Metrics() *telemetry.Metrics { return s.metrics }

// Shutdown ends every live session with reason shutdown (both sides get
// session-ended), refuses new WebSockets, stops the retention job and waits
// for WebSocket handlers to finish or ctx to expire.
func (s *Server) Shutdown(ctx context.Context) error {
	s.trackMu.Lock()
	first := !s.closed.Swap(true)
	s.trackMu.Unlock()
	if first {
		if s.draining.Load() {
			s.hub.abandonAll()
		} else {
			s.hub.endAll(wire.ReasonShutdown)
		}
	}
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		// Handlers still writing to dead peers: cut their connections.
		s.hub.closeAllNow()
		<-done
		return ctx.Err()
	}
}

// Close is Shutdown with a 10 s limit.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) iceServers(sessionID string) []wire.ICEServer {
	if s.cfg.ICE == nil {
		return []wire.ICEServer{}
	}
	ice := s.cfg.ICE.ICEServers(sessionID)
	if ice == nil {
		return []wire.ICEServer{}
	}
	return ice
}

// icePolicy is a session's effective ICE transport policy: relay when the
// service or the helper's organisation asks for it.
func (s *Server) icePolicy(orgRelayOnly bool) string {
	if s.cfg.RelayOnly || orgRelayOnly {
		return wire.ICEPolicyRelay
	}
	return wire.ICEPolicyAll
}

// codesExpired is called by the retention job for sessions whose code
// expired unused: a waiting helper is told.
func (s *Server) codesExpired(ids []string) {
	for _, id := range ids {
		s.metrics.SessionEnded(wire.ReasonExpired)
		if r := s.hub.get(id); r != nil {
			r.end(wire.ReasonExpired)
		} else {
			s.publishEnd(id, wire.ReasonExpired) // a helper waiting on another node
		}
	}
}

// newLimits builds the rate limiters from the configuration.
func (s *Server) newLimits() error {
	var err error
	limiter := func(name string, rules []ratelimit.Rule) limiter {
		l, e := ratelimit.New(ratelimit.Config{Rules: rules})
		if e != nil && err == nil {
			err = fmt.Errorf("%w: %s: %w", ErrConfig, name, e)
		}
		if s.cfg.SharedLimits {
			return newSharedLimiter(s.store, name, rules, s.log)
		}
		return l
	}
	s.joinLimiter = limiter("join", s.cfg.JoinRules)
	s.loginLimiter = limiter("login", s.cfg.LoginRules)
	s.accountLimiter = limiter("account", s.cfg.AccountRules)
	s.helperCreates = limiter("helper-creates", s.cfg.HelperCreates)
	s.orgCreates = limiter("org-creates", s.cfg.OrgCreates)
	s.oidcLimiter = limiter("oidc", s.cfg.OIDCRules)
	if err != nil {
		return err
	}
	if s.loginHashes, err = ratelimit.NewInFlight(s.cfg.LoginHashes); err != nil {
		return fmt.Errorf("%w: login hashes: %w", ErrConfig, err)
	}
	b, err := ratelimit.NewBreaker(s.cfg.JoinBreaker)
	if err != nil {
		return fmt.Errorf("%w: breaker: %w", ErrConfig, err)
	}
	s.breaker = b
	if s.cfg.SharedLimits {
		s.breaker = newSharedBreaker(s.store, s.cfg.JoinBreaker, s.log)
	}
	return nil
}

// subkey derives a key for one purpose from the configured secret.
func subkey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
