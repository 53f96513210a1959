// Package bridge is the UI bridge of the desktop app: it serves the page and
// its one loopback WebSocket, hands the page's requests to a RequestHandler
// and carries events and video frames back through a Sink.
package bridge

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/wire"
)

// CSP is the Content-Security-Policy of every page response. The page loads
// nothing but its own files and talks to nothing but the bridge on loopback.
const CSP = "default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:*; " +
	"img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'none'"

// Path is where the page opens its WebSocket.
const Path = "/bridge"

// StatusReplaced closes a page connection that another page took over; the
// page does not reconnect after it.
const StatusReplaced websocket.StatusCode = 4001

// Config configures a Bridge.
type Config struct {
	// Assets is the built frontend, index.html at its root. Required.
	Assets fs.FS
	// Handler receives page requests. Required (SetHandler may set it later).
	Handler RequestHandler
	// AllowedOrigins are extra exact origins ("scheme://host[:port]") that
	// may open the bridge, such as the desktop webview's. Optional.
	AllowedOrigins []string
	// FrameQueue is how many frames wait for a slow page (8).
	FrameQueue int
	// EventQueue is how many JSON events wait for a slow page (256).
	EventQueue int
	// WriteTimeout bounds one write to the page (5 s).
	WriteTimeout time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
}

// Bridge serves the frontend and the page's WebSocket on loopback. Only a
// page that knows the per-launch token, comes from an allowed Origin and
// addresses the loopback host may connect.
type Bridge struct {
	cfg    Config
	log    *slog.Logger
	token  string
	static http.Handler

	handler atomic.Pointer[handlerBox]
	port    atomic.Int32 // listening port, set by Serve
	dropped atomic.Uint64

	mu   sync.Mutex // guards page
	page *pageConn  // the connected page, nil when none
}

type handlerBox struct{ h RequestHandler }

// New validates cfg and draws a fresh random token.
func New(cfg Config) (*Bridge, error) {
	if cfg.Assets == nil {
		return nil, fmt.Errorf("%w: Assets is required", ErrInvalidConfig)
	}
	if _, err := fs.Stat(cfg.Assets, "index.html"); err != nil {
		return nil, fmt.Errorf("%w: assets have no index.html (build the frontend first): %v", ErrInvalidConfig, err)
	}
	for _, o := range cfg.AllowedOrigins {
		if !strings.Contains(o, "://") {
			return nil, fmt.Errorf("%w: origin %q needs a scheme", ErrInvalidConfig, o)
		}
	}
	if cfg.FrameQueue <= 0 {
		cfg.FrameQueue = 8
	}
	if cfg.EventQueue <= 0 {
		cfg.EventQueue = 256
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("bridge: token: %w", err)
	}
	b := &Bridge{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "bridge"),
		token:  base64.RawURLEncoding.EncodeToString(raw[:]),
		static: http.FileServerFS(cfg.Assets),
	}
	if cfg.Handler != nil {
		b.SetHandler(cfg.Handler)
	}
	return b, nil
}

// SetHandler sets the request handler (for wiring a controller that needs
// the Bridge as its Sink).
func (b *Bridge) SetHandler(h RequestHandler) { b.handler.Store(&handlerBox{h}) }

// Token is the per-launch secret the page must present.
func (b *Bridge) Token() string { return b.token }

// PageURL is the address to open the page with (after Serve started).
func (b *Bridge) PageURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/#token=%s", b.port.Load(), b.token)
}

// SocketURL is the WebSocket address with the token, for the desktop webview.
func (b *Bridge) SocketURL() string {
	return fmt.Sprintf("ws://127.0.0.1:%d%s?token=%s", b.port.Load(), Path, b.token)
}

// Dropped counts frames dropped because no page was connected or it was slow.
func (b *Bridge) Dropped() uint64 { return b.dropped.Load() }

// Listen opens a loopback TCP listener for Serve and records its port, so
// PageURL and SocketURL are known before Serve starts.
func (b *Bridge) Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bridge: listen: %w", err)
	}
	b.port.Store(int32(ln.Addr().(*net.TCPAddr).Port))
	return ln, nil
}

// Serve serves on ln (which must be a loopback TCP listener) until ctx ends.
func (b *Bridge) Serve(ctx context.Context, ln net.Listener) error {
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !addr.IP.IsLoopback() {
		return fmt.Errorf("%w: the bridge listens on loopback TCP only, not %s", ErrInvalidConfig, ln.Addr())
	}
	b.port.Store(int32(addr.Port))
	srv := &http.Server{
		Handler:           b,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelDebug),
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		b.closePage(websocket.StatusGoingAway, "shutting down")
		_ = srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	<-stopped
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// allowedHost refuses Host headers other than the loopback address we listen
// on: a DNS-rebinding page under a foreign name cannot read our files.
func (b *Bridge) allowedHost(host string) bool {
	port := strconv.Itoa(int(b.port.Load()))
	return host == "127.0.0.1:"+port || host == "localhost:"+port
}

func (b *Bridge) allowedOrigin(origin string) bool {
	port := strconv.Itoa(int(b.port.Load()))
	if origin == "http://127.0.0.1:"+port || origin == "http://localhost:"+port {
		return true
	}
	for _, o := range b.cfg.AllowedOrigins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// ServeHTTP serves the page's files and its WebSocket.
func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !b.allowedHost(r.Host) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if r.URL.Path == Path {
		b.serveSocket(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/" || r.URL.Path == "/index.html" {
		h.Set("Cache-Control", "no-store")
	}
	b.static.ServeHTTP(w, r)
}

func (b *Bridge) checkSocket(r *http.Request) error {
	got := r.URL.Query().Get("token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(b.token)) != 1 {
		return fmt.Errorf("%w: wrong or missing token", ErrForbidden)
	}
	if origin := r.Header.Get("Origin"); !b.allowedOrigin(origin) {
		return fmt.Errorf("%w: origin not allowed", ErrForbidden)
	}
	return nil
}

func (b *Bridge) serveSocket(w http.ResponseWriter, r *http.Request) {
	if err := b.checkSocket(r); err != nil {
		b.log.Info("refused a bridge connection", "err", err)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	hb := b.handler.Load()
	if hb == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	// The Origin was checked exactly above; these patterns repeat it for
	// the library's own check.
	patterns := []string{"127.0.0.1:" + strconv.Itoa(int(b.port.Load())), "localhost:" + strconv.Itoa(int(b.port.Load()))}
	patterns = append(patterns, b.cfg.AllowedOrigins...)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: patterns})
	if err != nil {
		b.log.Info("bridge upgrade failed", "err", err)
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(wire.MaxBridgeMessageBytes)

	pc := newPageConn(conn, b.cfg.FrameQueue, b.cfg.EventQueue, b.cfg.WriteTimeout, hb.h.FramesDropped, &b.dropped)
	b.mu.Lock()
	old := b.page
	b.page = pc
	b.mu.Unlock()
	if old != nil {
		old.close(StatusReplaced, "another page took over")
	}
	b.log.Info("page connected")

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pc.writeLoop(ctx)
		cancel()
	}()
	hb.h.PageConnected()
	b.readLoop(ctx, pc, hb.h)
	cancel()
	wg.Wait()

	b.mu.Lock()
	if b.page == pc {
		b.page = nil
	}
	b.mu.Unlock()
	b.log.Info("page disconnected")
}

func (b *Bridge) readLoop(ctx context.Context, pc *pageConn, h RequestHandler) {
	for {
		typ, data, err := pc.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			pc.close(websocket.StatusUnsupportedData, "text messages only")
			return
		}
		req, err := wire.DecodeBridgeRequest(data)
		if err != nil {
			b.log.Debug("page sent an invalid request", "err", err)
			pc.event(wire.BridgeEvent{Type: wire.BridgeError, Reason: wire.ReasonBadRequest,
				Message: "That request could not be understood."})
			continue
		}
		h.HandleRequest(req)
	}
}

func (b *Bridge) current() *pageConn {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.page
}

func (b *Bridge) closePage(code websocket.StatusCode, why string) {
	if pc := b.current(); pc != nil {
		pc.close(code, why)
	}
}

// Event queues e for the connected page; without a page it is dropped (the
// page asks for the state when it connects).
func (b *Bridge) Event(e wire.BridgeEvent) {
	if pc := b.current(); pc != nil {
		pc.event(e)
	}
}

// Frame queues f for the connected page; without a page it is dropped.
func (b *Bridge) Frame(f wire.Frame) {
	if pc := b.current(); pc != nil {
		pc.frame(f)
		return
	}
	b.dropped.Add(1)
}
