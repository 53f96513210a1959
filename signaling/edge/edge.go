// Package edge lets HTTPS, the session WebSocket and TURN over TLS share one
// TCP port (443 in the field, where often nothing else gets out). It
// completes the TLS handshake itself, looks at the first bytes the client
// sends and hands the connection to the HTTP server or to the TURN relay.
//
// Real WebRTC stacks (pion, Chromium) offer no ALPN when they speak TURN
// over TLS, so the first bytes decide: a STUN header (first two bits zero,
// magic cookie 0x2112A442 at offset 4) goes to TURN, anything else to HTTP.
// A client that does offer ALPN "stun.turn" goes to TURN at once. "h2" is
// never advertised: the HTTP server behind the demultiplexer speaks
// HTTP/1.1 only.
//
// With Config.ACME the port also answers ACME TLS-ALPN-01 validation
// (RFC 8737, ALPN "acme-tls/1"): the handshake presents the challenge
// certificate and the connection is closed right after it, so it reaches
// neither HTTP nor TURN.
package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ALPN protocol names.
const (
	ALPNTURN = "stun.turn" // RFC 7443
	ALPNHTTP = "http/1.1"
	ALPNACME = "acme-tls/1" // RFC 8737, TLS-ALPN-01 validation
)

// Defaults of Config.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMaxConns         = 8192
	DefaultMaxPending       = 512
)

// stunMagicCookie is the fixed value at bytes 4..7 of every STUN message.
const stunMagicCookie = 0x2112A442

// peekLen is how many bytes are read to classify a connection: enough for
// the STUN type, length and magic cookie.
const peekLen = 8

// Config configures a Listener.
type Config struct {
	// Listener is the raw TCP listener; required. The Listener owns it and
	// closes it on Close.
	Listener net.Listener
	// TLS is the server TLS configuration (certificates); required. It is
	// cloned; MinVersion is raised to TLS 1.2 and NextProtos replaced.
	TLS *tls.Config
	// TURN enables the TURN route; false closes connections that would
	// take it.
	TURN bool
	// ACME answers ACME TLS-ALPN-01 validation handshakes (ALPN
	// "acme-tls/1"); TLS.GetCertificate must then return the challenge
	// certificate for such hellos, as autocert.Manager.GetCertificate
	// does. False refuses that ALPN.
	ACME bool
	// HandshakeTimeout bounds the TLS handshake plus the first bytes; 0
	// means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// MaxConns bounds connections open at once, routed or not; MaxPending
	// bounds those still in the handshake. Connections over either limit are
	// closed at once. 0 means the default.
	MaxConns, MaxPending int
	// Logger is optional; nil discards.
	Logger *slog.Logger
}

// Listener demultiplexes one TLS port. HTTP and TURN return the two routes
// as net.Listeners.
type Listener struct {
	cfg  Config
	tls  *tls.Config
	log  *slog.Logger
	http *route
	turn *route // nil when TURN is off

	open    atomic.Int64 // connections counted against MaxConns
	pending atomic.Int64 // connections still in the handshake

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop and every handshake goroutine

	closeOnce sync.Once
	closeErr  error

	// Counters for metrics and tests.
	refused  atomic.Int64 // closed at once: over MaxConns or MaxPending
	timedOut atomic.Int64 // handshake or first bytes not done in time
	acme     atomic.Int64 // TLS-ALPN-01 validation handshakes answered
}

// New validates cfg and starts accepting.
func New(cfg Config) (*Listener, error) {
	if cfg.Listener == nil {
		return nil, fmt.Errorf("%w: Listener is required", ErrConfig)
	}
	if cfg.TLS == nil || (len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil && cfg.TLS.GetConfigForClient == nil) {
		return nil, fmt.Errorf("%w: TLS with a certificate is required", ErrConfig)
	}
	if cfg.ACME && cfg.TLS.GetCertificate == nil {
		// A fixed certificate cannot answer a challenge.
		return nil, fmt.Errorf("%w: ACME needs TLS.GetCertificate", ErrConfig)
	}
	if cfg.HandshakeTimeout < 0 || cfg.MaxConns < 0 || cfg.MaxPending < 0 {
		return nil, fmt.Errorf("%w: negative limit", ErrConfig)
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = min(DefaultMaxPending, cfg.MaxConns)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	tc := cfg.TLS.Clone()
	if tc.MinVersion < tls.VersionTLS12 {
		tc.MinVersion = tls.VersionTLS12
	}
	tc.NextProtos = []string{ALPNHTTP}
	if cfg.TURN {
		tc.NextProtos = []string{ALPNTURN, ALPNHTTP}
	}
	if cfg.ACME {
		// Last: the server's order picks the protocol, so a client that
		// offers acme-tls/1 next to another protocol is never taken for a
		// validator. RFC 8737 validators offer acme-tls/1 alone.
		tc.NextProtos = append(tc.NextProtos, ALPNACME)
	}
	l := &Listener{cfg: cfg, tls: tc, log: cfg.Logger.With("component", "edge")}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.http = newRoute(l)
	if cfg.TURN {
		l.turn = newRoute(l)
	}
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

// HTTP returns the listener of HTTP connections (closing it stops only
// this route). Each is a *Conn; give the
// http.Server ConnContext and wrap its handler in WithTLSState so requests
// see r.TLS.
func (l *Listener) HTTP() net.Listener { return l.http }

// TURN returns the listener of TURN-over-TLS connections, nil when TURN is
// off.
func (l *Listener) TURN() net.Listener {
	if l.turn == nil {
		return nil
	}
	return l.turn
}

// Addr is the address of the shared port.
func (l *Listener) Addr() net.Addr { return l.cfg.Listener.Addr() }

// Open returns the number of connections counted against MaxConns.
func (l *Listener) Open() int64 { return l.open.Load() }

// Refused returns how many connections were closed at once for a limit.
func (l *Listener) Refused() int64 { return l.refused.Load() }

// TimedOut returns how many connections were closed because the handshake
// or the first bytes did not come in time.
func (l *Listener) TimedOut() int64 { return l.timedOut.Load() }

// ACMEValidations returns how many ACME TLS-ALPN-01 validation handshakes
// were completed.
func (l *Listener) ACMEValidations() int64 { return l.acme.Load() }

// Close stops accepting, closes connections still in the handshake and
// makes both routes' Accept return net.ErrClosed. Connections already
// handed out belong to their route's server. Safe to call more than once.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.cancel()
		l.closeErr = l.cfg.Listener.Close()
		l.wg.Wait()
	})
	return l.closeErr
}

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	var delay time.Duration
	for {
		raw, err := l.cfg.Listener.Accept()
		if err != nil {
			if l.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary errors (EMFILE): back off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			l.log.Warn("accept failed", "err", err)
			select {
			case <-time.After(delay):
				continue
			case <-l.ctx.Done():
				return
			}
		}
		delay = 0
		if l.open.Add(1) > int64(l.cfg.MaxConns) {
			l.open.Add(-1)
			l.refused.Add(1)
			_ = raw.Close()
			continue
		}
		if l.pending.Add(1) > int64(l.cfg.MaxPending) {
			l.pending.Add(-1)
			l.open.Add(-1)
			l.refused.Add(1)
			_ = raw.Close()
			continue
		}
		l.wg.Add(1)
		go l.handshake(raw)
	}
}

// handshake completes TLS, classifies the connection and delivers it. The
// deadline covers the handshake and the first bytes together, so a client
// that connects and then says nothing is cut after HandshakeTimeout.
func (l *Listener) handshake(raw net.Conn) {
	defer l.wg.Done()
	counted, pending := true, true
	defer func() {
		if pending {
			l.pending.Add(-1)
		}
		if counted {
			l.open.Add(-1)
		}
	}()
	// Close the connection if the listener closes while handshaking.
	stop := context.AfterFunc(l.ctx, func() { _ = raw.Close() })
	defer stop()
	_ = raw.SetDeadline(time.Now().Add(l.cfg.HandshakeTimeout))
	tc := tls.Server(raw, l.tls)
	r, head, err := l.classify(tc)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			l.timedOut.Add(1)
		}
		l.log.Debug("connection dropped before routing", "err", err)
		_ = tc.Close()
		return
	}
	_ = raw.SetDeadline(time.Time{})
	// The handshake is over: free its MaxPending slot before waiting for
	// the route's server to accept.
	l.pending.Add(-1)
	pending = false
	if r == nil {
		if tc.ConnectionState().NegotiatedProtocol == ALPNACME {
			// The validator has seen the challenge certificate: that was
			// the whole exchange.
			l.acme.Add(1)
			l.log.Debug("ACME TLS-ALPN-01 validation answered")
		} else {
			l.log.Debug("TURN connection refused", "cause", "TURN is off")
		}
		_ = tc.Close()
		return
	}
	if !stop() {
		return // the listener closed and closed raw
	}
	c := &Conn{Conn: tc, tls: tc, head: head, release: l.release}
	counted = false // c.Close releases the slot from now on
	if !r.deliver(c) {
		_ = c.Close()
	}
}

// classify runs the handshake and returns the route and the bytes read. A
// nil route closes the connection: TURN is off, or the handshake was an
// ACME validation.
func (l *Listener) classify(tc *tls.Conn) (*route, []byte, error) {
	if err := tc.HandshakeContext(l.ctx); err != nil {
		return nil, nil, fmt.Errorf("handshake: %w", err)
	}
	switch tc.ConnectionState().NegotiatedProtocol {
	case ALPNTURN:
		return l.turn, nil, nil
	case ALPNACME:
		return nil, nil, nil // never routed
	}
	head := make([]byte, peekLen)
	n, err := io.ReadFull(tc, head)
	head = head[:n]
	if err != nil && !(errors.Is(err, io.ErrUnexpectedEOF) && n > 0) {
		return nil, nil, fmt.Errorf("first bytes: %w", err)
	}
	if IsSTUN(head) {
		return l.turn, head, nil
	}
	return l.http, head, nil
}

// IsSTUN reports whether b starts like a STUN message: the two top bits of
// the type are zero and the magic cookie follows type and length. An HTTP
// request line starts with an upper-case letter, whose top bits are 01.
func IsSTUN(b []byte) bool {
	if len(b) < peekLen || b[0]&0xC0 != 0 {
		return false
	}
	return uint32(b[4])<<24|uint32(b[5])<<16|uint32(b[6])<<8|uint32(b[7]) == stunMagicCookie
}

func (l *Listener) release() { l.open.Add(-1) }
