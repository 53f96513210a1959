// Package localapi is the sharer daemon's local control surface: a per-user
// socket (Unix socket 0600 in a 0700 directory on Linux, an owner-only named
// pipe on Windows) speaking newline-delimited JSON (wire.LocalRequest in,
// wire.LocalResponse out, then wire.LocalEvent lines after "events"). The CLI,
// the consent prompt and the sharing bar use it; nothing remote can reach it.
package localapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Limits of the local API.
const (
	MaxLineBytes   = 16 << 10
	MaxConns       = 16
	eventQueueSize = 64
	writeTimeout   = 5 * time.Second
)

// Errors.
var (
	ErrClosed      = errors.New("localapi: closed")
	ErrNotRunning  = errors.New("localapi: the sharer daemon is not running")
	ErrBadResponse = errors.New("localapi: bad response from the daemon")
)

// Controller is what the daemon offers through the API.
type Controller interface {
	// Do runs one command and answers it.
	Do(ctx context.Context, req wire.LocalRequest) wire.LocalResponse
	// Subscribe returns a channel of events and a function that ends the
	// subscription. The controller must never block on a slow subscriber.
	Subscribe() (<-chan wire.LocalEvent, func())
}

// Server serves the local API on one listener.
type Server struct {
	logger *slog.Logger
	ctl    Controller
	ln     net.Listener

	closed atomic.Bool
	conns  atomic.Int32
	subs   atomic.Int32 // connections streaming events (UIs listening)
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// Serve starts serving ctl on the per-user endpoint at path (see
// DefaultPath). It returns once listening; Close stops it.
func Serve(path string, ctl Controller, logger *slog.Logger) (*Server, error) {
	if ctl == nil {
		return nil, errors.New("localapi: nil controller")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ln, err := listen(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{logger: logger.With("component", "localapi"), ctl: ctl, ln: ln, ctx: ctx, cancel: cancel}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Close stops accepting, ends every connection and waits for them.
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.cancel()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if !s.closed.Load() {
				s.logger.Warn("accept failed", "err", err)
			}
			return
		}
		if err := checkPeer(c); err != nil {
			s.logger.Warn("refused a local connection", "err", err)
			c.Close()
			continue
		}
		if s.conns.Add(1) > MaxConns {
			s.conns.Add(-1)
			writeJSON(c, wire.LocalResponse{Reason: wire.ReasonUnavailable, Error: "too many local connections"})
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.conns.Add(-1)
			s.serveConn(c)
		}()
	}
}

func (s *Server) serveConn(c net.Conn) {
	defer c.Close()
	// Unblock reads when the server closes, but let a request being
	// handled write its answer first: a command that stops the daemon
	// (wire.LocalQuit) is answered before the socket goes.
	var answering sync.Mutex
	stop := context.AfterFunc(s.ctx, func() {
		answering.Lock()
		defer answering.Unlock()
		c.Close()
	})
	defer stop()

	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	for sc.Scan() {
		var req wire.LocalRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			if writeJSON(c, wire.LocalResponse{Reason: wire.ReasonBadRequest, Error: "malformed request"}) != nil {
				return
			}
			continue
		}
		if req.Cmd == wire.LocalEvents {
			s.streamEvents(c)
			return
		}
		if !s.answer(c, &answering, req) {
			return
		}
	}
}

// answer handles one request and writes its answer while holding
// answering, so a closing server waits for the answer; false when the
// server is closing or the client went away.
func (s *Server) answer(c net.Conn, answering *sync.Mutex, req wire.LocalRequest) bool {
	answering.Lock()
	defer answering.Unlock()
	if s.ctx.Err() != nil {
		return false
	}
	return writeJSON(c, s.ctl.Do(s.ctx, req)) == nil
}

// Subscribers reports how many local clients are listening to events, so
// the daemon knows whether a UI will show its questions.
func (s *Server) Subscribers() int { return int(s.subs.Load()) }

func (s *Server) streamEvents(c net.Conn) {
	events, cancel := s.ctl.Subscribe()
	defer cancel()
	s.subs.Add(1)
	defer s.subs.Add(-1)
	if err := writeJSON(c, wire.LocalResponse{OK: true}); err != nil {
		return
	}
	// The client sends nothing more; a read returning means it went away.
	gone := make(chan struct{})
	go func() {
		var b [1]byte
		c.Read(b[:])
		close(gone)
	}()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			if err := writeJSON(c, ev); err != nil {
				return
			}
		case <-gone:
			return
		case <-s.ctx.Done():
			return
		}
	}
}

func writeJSON(c net.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err = c.Write(append(b, '\n'))
	return err
}

// Client talks to a running daemon.
type Client struct {
	Path string
}

// Call sends one request and returns the daemon's answer. A response with
// OK false is returned as is (its Error is plain language), not as an error.
func (cl Client) Call(ctx context.Context, req wire.LocalRequest) (wire.LocalResponse, error) {
	c, err := dial(ctx, cl.Path)
	if err != nil {
		return wire.LocalResponse{}, notRunning(err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := writeJSON(c, req); err != nil {
		return wire.LocalResponse{}, err
	}
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	if !sc.Scan() {
		if ctx.Err() != nil {
			return wire.LocalResponse{}, ctx.Err()
		}
		return wire.LocalResponse{}, fmt.Errorf("%w: connection closed", ErrBadResponse)
	}
	var resp wire.LocalResponse
	if err := json.Unmarshal(sc.Bytes(), &resp); err != nil {
		return wire.LocalResponse{}, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	return resp, nil
}

// Events subscribes to the daemon's event stream until ctx ends. The
// channel is closed when the stream ends.
func (cl Client) Events(ctx context.Context) (<-chan wire.LocalEvent, error) {
	c, err := dial(ctx, cl.Path)
	if err != nil {
		return nil, notRunning(err)
	}
	if err := writeJSON(c, wire.LocalRequest{Cmd: wire.LocalEvents}); err != nil {
		c.Close()
		return nil, err
	}
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	if !sc.Scan() {
		c.Close()
		return nil, fmt.Errorf("%w: no answer to events", ErrBadResponse)
	}
	out := make(chan wire.LocalEvent, eventQueueSize)
	stop := context.AfterFunc(ctx, func() { c.Close() })
	go func() {
		defer close(out)
		defer stop()
		defer c.Close()
		for sc.Scan() {
			var ev wire.LocalEvent
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				continue
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
