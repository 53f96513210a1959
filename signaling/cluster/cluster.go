// Package cluster carries sessions between QuickHelp service nodes over
// NATS (github.com/nats-io/nats.go): it implements server.Relay. Each
// session has a subject its nodes publish their events on, each connected
// participant a presence subject that answers who holds it, and every node
// says it is alive once a second.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Subjects. Session IDs are hex, so they never contain a NATS token
// separator or wildcard; other IDs are refused.
const (
	subjectPrefix = "quickhelp.session."
	subjectNodes  = "quickhelp.nodes"
)

// HeartbeatInterval is how often a node says it is alive; a node not
// heard for DeadAfter is taken for dead.
const (
	HeartbeatInterval = time.Second
	DeadAfter         = 6 * time.Second
)

// Config configures a Relay.
type Config struct {
	// URL is required: one or more comma-separated nats:// or tls://
	// server URLs (user and password may be given in them).
	URL string
	// CredsFile is a NATS credentials file (JWT and NKey seed); optional.
	CredsFile string
	// CAFile, CertFile and KeyFile configure TLS: the CA that signs the
	// servers' certificates and an optional client certificate.
	CAFile, CertFile, KeyFile string
	// Name is the connection's name as the NATS server shows it; optional.
	Name string
	// Logger is optional; nil discards.
	Logger *slog.Logger
}

// Relay is a node's connection to the bus. It is safe for concurrent use.
type Relay struct {
	nc   *nats.Conn
	node string
	log  *slog.Logger
	hb   *nats.Subscription
	stop chan struct{}
	wg   sync.WaitGroup

	// mu guards seen: when each other node was last heard (or first asked
	// about, which gives a node met through its events DeadAfter to be
	// heard).
	mu   sync.Mutex
	seen map[string]time.Time
}

// Dial connects to NATS and starts the heartbeat. The connection
// reconnects by itself (subscriptions are restored); Close ends it.
func Dial(cfg Config) (*Relay, error) {
	if cfg.URL == "" {
		return nil, fmt.Errorf("%w: no NATS URL", ErrConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	r := &Relay{node: hex.EncodeToString(id), log: cfg.Logger, stop: make(chan struct{}), seen: map[string]time.Time{}}
	opts := []nats.Option{
		nats.Name(cfg.Name), nats.NoEcho(), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.Timeout(5 * time.Second), nats.PingInterval(5 * time.Second), nats.MaxPingsOutstanding(2),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: closed by Close
				r.log.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { r.log.Info("NATS reconnected") }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { r.log.Warn("NATS error", "err", err) }),
	}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.CAFile))
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, fmt.Errorf("%w: the NATS client certificate and key go together", ErrConfig)
	}
	if cfg.CertFile != "" {
		opts = append(opts, nats.ClientCert(cfg.CertFile, cfg.KeyFile))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to NATS: %w", err)
	}
	r.nc = nc
	if r.hb, err = nc.Subscribe(subjectNodes, r.heard); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: subscribe: %w", err)
	}
	r.beat()
	if err := nc.Flush(); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: NATS flush: %w", err)
	}
	r.wg.Add(1)
	go r.heartbeat()
	return r, nil
}

// Close stops the heartbeat and closes the connection.
func (r *Relay) Close() {
	select {
	case <-r.stop:
		return
	default:
	}
	close(r.stop)
	r.wg.Wait()
	r.nc.Close()
}

func (r *Relay) heartbeat() {
	defer r.wg.Done()
	t := time.NewTicker(HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.beat()
		}
	}
}

func (r *Relay) beat() {
	if err := r.nc.Publish(subjectNodes, []byte(r.node)); err != nil {
		r.log.Debug("heartbeat not sent", "err", err)
	}
}

func (r *Relay) heard(m *nats.Msg) {
	if len(m.Data) == 0 || len(m.Data) > 64 {
		return
	}
	r.mu.Lock()
	if len(r.seen) < maxNodes || r.seen[string(m.Data)] != (time.Time{}) {
		r.seen[string(m.Data)] = time.Now()
	}
	r.mu.Unlock()
}

// maxNodes bounds the table of nodes heard.
const maxNodes = 4096

// Node identifies this node (random per process).
func (r *Relay) Node() string { return r.node }

// Alive reports whether node was heard within DeadAfter.
func (r *Relay) Alive(node string) bool {
	if node == r.node {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	last, ok := r.seen[node]
	if !ok {
		if len(r.seen) >= maxNodes {
			r.expireLocked(now)
		}
		r.seen[node] = now
		return true
	}
	return now.Sub(last) < DeadAfter
}

// expireLocked forgets nodes not heard for a minute.
func (r *Relay) expireLocked(now time.Time) {
	for n, t := range r.seen {
		if now.Sub(t) > time.Minute {
			delete(r.seen, n)
		}
	}
}

func sessionSubject(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, ".*> \t\r\n") {
		return "", fmt.Errorf("%w: session id %q", ErrConfig, id)
	}
	return subjectPrefix + id, nil
}

// Join subscribes to session id's events.
func (r *Relay) Join(id string, deliver func([]byte)) (func(), error) {
	subj, err := sessionSubject(id)
	if err != nil {
		return nil, err
	}
	sub, err := r.nc.Subscribe(subj, func(m *nats.Msg) { deliver(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("cluster: join: %w", err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Publish sends event to the nodes joined to session id.
func (r *Relay) Publish(id string, event []byte) error {
	subj, err := sessionSubject(id)
	if err != nil {
		return err
	}
	return r.nc.Publish(subj, event)
}

// Hold answers presence questions about role of session id.
func (r *Relay) Hold(id, role string) (func(), error) {
	subj, err := sessionSubject(id)
	if err != nil {
		return nil, err
	}
	sub, err := r.nc.Subscribe(subj+".who."+role, func(m *nats.Msg) { _ = m.Respond([]byte(r.node)) })
	if err != nil {
		return nil, fmt.Errorf("cluster: hold: %w", err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Present asks which node holds role of session id. NATS answers at once
// when nobody listens (no responders), so an absent peer costs one round
// trip, not a timeout.
func (r *Relay) Present(ctx context.Context, id, role string) string {
	subj, err := sessionSubject(id)
	if err != nil {
		return ""
	}
	m, err := r.nc.RequestWithContext(ctx, subj+".who."+role, nil)
	if err != nil || len(m.Data) > 64 {
		return ""
	}
	return string(m.Data)
}
