package edge

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
)

// route is one side of the demultiplexer, seen by its server as a
// net.Listener. Connections wait in a small queue; a handshake goroutine
// whose route is not accepting blocks (holding its connection slot) until
// the listener closes.
type route struct {
	l         *Listener
	queue     chan net.Conn
	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

func newRoute(l *Listener) *route {
	return &route{l: l, queue: make(chan net.Conn, 16), done: make(chan struct{})}
}

func (r *route) deliver(c net.Conn) bool {
	select {
	case <-r.done:
		return false
	default:
	}
	select {
	case r.queue <- c:
		return true
	case <-r.done:
		return false
	case <-r.l.ctx.Done():
		return false
	}
}

// Accept returns the next connection of this route, or net.ErrClosed once
// the route or the Listener is closed. Connections still queued then are
// closed.
func (r *route) Accept() (net.Conn, error) {
	select {
	case c := <-r.queue:
		return c, nil
	case <-r.done:
	case <-r.l.ctx.Done():
	}
	for {
		select {
		case c := <-r.queue:
			_ = c.Close()
		default:
			return nil, net.ErrClosed
		}
	}
}

// Close stops this route only: its server is done with it. Connections
// that would take it are closed from then on; the other route and the
// port stay open until the Listener is closed.
func (r *route) Close() error {
	r.closeOnce.Do(func() { close(r.done) })
	return nil
}

func (r *route) Addr() net.Addr { return r.l.Addr() }

// Conn is a routed connection: the TLS connection with the bytes read to
// classify it put back in front.
type Conn struct {
	net.Conn
	tls     *tls.Conn
	head    []byte
	release func()
	once    sync.Once
}

// Read returns the classified bytes first, then reads from TLS.
func (c *Conn) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// Close closes the connection and frees its slot under MaxConns.
func (c *Conn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// ConnectionState returns the TLS state of the connection.
func (c *Conn) ConnectionState() tls.ConnectionState { return c.tls.ConnectionState() }

// NetConn returns the underlying TCP connection.
func (c *Conn) NetConn() net.Conn { return c.tls.NetConn() }

type tlsStateKey struct{}

// ConnContext is an http.Server ConnContext that remembers the TLS state
// of a demultiplexed connection. net/http fills r.TLS only for a *tls.Conn
// it handshakes itself; WithTLSState copies the state into the request.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if ec, ok := c.(*Conn); ok {
		st := ec.ConnectionState()
		return context.WithValue(ctx, tlsStateKey{}, &st)
	}
	return ctx
}

// WithTLSState sets r.TLS on requests that arrived over a demultiplexed
// TLS connection (see ConnContext), so handlers that check r.TLS (HSTS,
// secure cookies) behave as behind http.Server's own TLS.
func WithTLSState(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			if st, ok := r.Context().Value(tlsStateKey{}).(*tls.ConnectionState); ok {
				r.TLS = st
			}
		}
		next.ServeHTTP(w, r)
	})
}
