package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/wire"
)

// endedError carries a session-ended reason out of the read loop.
type endedError struct{ reason wire.Reason }

func (e *endedError) Error() string { return "session ended: " + string(e.reason) }

// errRedial is the cause of a reconnect the owner asked for (Redial).
var errRedial = errors.New("client: redial requested")

// run owns the connection for the session's whole life: it serves one
// socket at a time and reconnects between them.
func (s *Session) run(conn *websocket.Conn) {
	var pending *outgoing // a message whose write failed; retried first on the next socket
	for {
		cause, terminal, reason := s.serve(conn, &pending)
		if terminal {
			s.finish(cause, reason)
			return
		}
		s.log.Debug("session socket lost", "err", cause)
		if conn = s.reconnect(cause); conn == nil {
			return
		}
		// A Redial asked for while reconnecting is served by this socket.
		select {
		case <-s.redial:
		default:
		}
	}
}

// serve runs one socket until it fails, the session ends or Close is
// called. terminal reports whether reconnecting is pointless.
func (s *Session) serve(conn *websocket.Conn, pending **outgoing) (cause error, terminal bool, reason wire.Reason) {
	connCtx, cancel := context.WithCancel(s.ctx)
	var wg sync.WaitGroup
	readErr := make(chan error, 1)
	wg.Add(2)
	go func() { defer wg.Done(); readErr <- s.readLoop(connCtx, conn) }()
	go func() { defer wg.Done(); s.pingLoop(connCtx, conn) }()
	defer func() {
		cancel()
		_ = conn.CloseNow()
		wg.Wait()
	}()

	for {
		if o := *pending; o != nil {
			if o.ctx.Err() != nil {
				o.result <- o.ctx.Err() // the sender gave up before its turn
			} else {
				wctx, wcancel := context.WithTimeout(connCtx, s.opts.WriteTimeout)
				err := conn.Write(wctx, websocket.MessageText, o.data)
				wcancel()
				if err != nil {
					if s.ctx.Err() != nil {
						return nil, true, ""
					}
					return fmt.Errorf("write: %w", err), false, "" // o stays pending
				}
				o.result <- nil
			}
			*pending = nil
		}
		select {
		case o := <-s.out:
			*pending = o
		case b := <-s.acks:
			if err := s.write(connCtx, conn, b); err != nil {
				return fmt.Errorf("write: %w", err), false, ""
			}
		case <-s.resend:
			for _, b := range s.chat.pending() {
				if err := s.write(connCtx, conn, b); err != nil {
					s.askResend() // the next socket sends them
					return fmt.Errorf("write: %w", err), false, ""
				}
			}
		case <-s.redial:
			return errRedial, false, ""
		case err := <-readErr:
			var ended *endedError
			if errors.As(err, &ended) {
				return ErrSessionEnded, true, ended.reason
			}
			if s.ctx.Err() != nil {
				return nil, true, ""
			}
			if st := websocket.CloseStatus(err); terminalClose(st) {
				return fmt.Errorf("%w: socket closed by service (%d)", ErrSessionEnded, st), true, ""
			}
			return err, false, ""
		case <-s.ctx.Done():
			// Close: say goodbye politely; CloseNow in the defer bounds it.
			closeCtx, c := context.WithTimeout(context.Background(), time.Second)
			go func() { <-closeCtx.Done(); _ = conn.CloseNow() }()
			_ = conn.Close(websocket.StatusNormalClosure, "client closed")
			c()
			return nil, true, ""
		}
	}
}

// terminalClose lists close codes after which the service will not take
// this participant back: a normal close (the session is over). A policy
// violation (slow consumer, failed write) is worth a reconnect: if the
// session is really over, the next dial is refused with 401.
func terminalClose(st websocket.StatusCode) bool {
	switch {
	case st == websocket.StatusNormalClosure:
		return true
	case st >= 4400 && st < 4500: // application codes mirroring HTTP 4xx
		return true
	default:
		return false
	}
}

// readLoop decodes envelopes and hands them to Events.
func (s *Session) readLoop(ctx context.Context, conn *websocket.Conn) error {
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageText {
			s.log.Debug("binary message ignored")
			continue
		}
		env, err := wire.DecodeEnvelope(data)
		if err != nil {
			// One bad message from a newer service must not end the session.
			s.log.Debug("invalid envelope ignored", "err", err)
			continue
		}
		switch env.Type {
		case wire.TypePing:
			continue // keep-alive only
		case wire.TypeChatAck:
			s.chat.acked(env.ID)
			continue
		case wire.TypeChat:
			if env.ID != "" {
				select {
				case s.acks <- ackFor(env.ID):
				default: // the sender resends; it is shown once
				}
				if !s.chat.received(env.ID) {
					continue
				}
			}
		case wire.TypeHello:
			if env.Peer {
				s.askResend()
			}
		case wire.TypePeerJoined:
			s.askResend()
		case wire.TypeSessionEnded:
			s.deliverAlways(Event{Kind: EventMessage, Envelope: env})
			return &endedError{reason: env.Reason}
		}
		s.deliverMessage(Event{Kind: EventMessage, Envelope: env})
	}
}

// pingLoop pings every PingInterval; a missing pong closes the socket so
// the read loop reports it and run reconnects.
func (s *Session) pingLoop(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, s.opts.PingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					s.log.Debug("ping failed", "err", err)
					_ = conn.CloseNow()
				}
				return
			}
		}
	}
}

// reconnect dials again with jittered exponential backoff until the
// resume window closes. It returns nil when the session is over (finish
// has been called).
func (s *Session) reconnect(cause error) *websocket.Conn {
	deadline := time.Now().Add(s.opts.ResumeWindow)
	backoff := s.opts.InitialBackoff
	for attempt := 1; ; attempt++ {
		if !s.deliverAlways(Event{Kind: EventReconnecting, Attempt: attempt, Deadline: deadline, Err: cause}) {
			s.finish(nil, "")
			return nil
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		var api *APIError
		if errors.As(cause, &api) && api.RetryAfter > wait {
			wait = api.RetryAfter
		}
		if left := time.Until(deadline); wait > left {
			wait = left
		}
		timer := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			timer.Stop()
			s.finish(nil, "")
			return nil
		case <-timer.C:
		}
		if !time.Now().Before(deadline) {
			s.finish(fmt.Errorf("%w: %w", ErrResumeTimeout, cause), "")
			return nil
		}
		dl := time.Now().Add(s.opts.DialTimeout)
		if dl.After(deadline) {
			dl = deadline
		}
		dctx, cancel := context.WithDeadline(s.ctx, dl)
		conn, err := s.c.dialSession(dctx, s.id, s.token)
		cancel()
		if err == nil {
			if !s.deliverAlways(Event{Kind: EventConnected}) {
				_ = conn.CloseNow()
				s.finish(nil, "")
				return nil
			}
			return conn
		}
		if s.ctx.Err() != nil {
			s.finish(nil, "")
			return nil
		}
		if errors.As(err, &api) && dialRefused(api.Status) {
			// The service says this participant is not coming back.
			s.finish(err, "")
			return nil
		}
		s.log.Debug("reconnect failed", "attempt", attempt, "err", err)
		cause = err
		backoff = min(backoff*2, s.opts.MaxBackoff)
	}
}

func dialRefused(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden ||
		status == http.StatusNotFound || status == http.StatusGone
}

// deliverMessage offers a received message to Events, waiting up to
// EventWait when the channel is full, then dropping it.
func (s *Session) deliverMessage(ev Event) {
	select {
	case s.events <- ev:
		return
	default:
	}
	t := time.NewTimer(s.opts.EventWait)
	defer t.Stop()
	select {
	case s.events <- ev:
	case <-t.C:
		n := s.dropped.Add(1)
		s.log.Warn("events channel full; message dropped", "type", ev.Envelope.Type, "dropped", n)
	case <-s.ctx.Done():
	}
}

// deliverAlways waits until ev is taken or the session is closed; it
// reports whether ev was delivered.
func (s *Session) deliverAlways(ev Event) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// finish records the cause, emits EventClosed and closes Events and done.
func (s *Session) finish(cause error, reason wire.Reason) {
	s.errMu.Lock()
	s.err = cause
	s.errMu.Unlock()
	ev := Event{Kind: EventClosed, Err: cause, Reason: reason}
	if s.ctx.Err() != nil {
		// Closed locally: the owner may have stopped reading.
		select {
		case s.events <- ev:
		default:
		}
	} else {
		s.deliverAlways(ev)
	}
	s.log.Debug("session connection closed", "reason", reason, "err", cause)
	close(s.events)
	close(s.done)
	s.cancel() // release the lifetime context when the service ended it
}

// write writes one message on conn with the write timeout.
func (s *Session) write(ctx context.Context, conn *websocket.Conn, b []byte) error {
	wctx, cancel := context.WithTimeout(ctx, s.opts.WriteTimeout)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b)
}

// askResend asks the writer to send the unacknowledged chat again.
func (s *Session) askResend() {
	select {
	case s.resend <- struct{}{}:
	default:
	}
}
