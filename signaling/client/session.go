package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/wire"
)

// ConnectOptions tune a session connection. Zero values mean the defaults
// in parentheses.
type ConnectOptions struct {
	// ResumeWindow is how long reconnect attempts go on after the socket
	// drops (30 s, the service's resume window).
	ResumeWindow time.Duration
	// InitialBackoff and MaxBackoff bound the delay between attempts
	// (200 ms, 5 s); each delay is jittered between half and all of it.
	InitialBackoff, MaxBackoff time.Duration
	// DialTimeout bounds one connection attempt (10 s).
	DialTimeout time.Duration
	// PingInterval and PingTimeout drive WebSocket pings (15 s, 10 s); a
	// missed pong counts as a dropped socket.
	PingInterval, PingTimeout time.Duration
	// WriteTimeout bounds one write (10 s).
	WriteTimeout time.Duration
	// SendQueue is the capacity of the outgoing queue (64).
	SendQueue int
	// EventBuffer is the capacity of the Events channel (64).
	EventBuffer int
	// EventWait is how long a received message may wait for room in a full
	// Events channel before it is dropped (5 s). State changes and
	// session-ended are never dropped.
	EventWait time.Duration
}

func (o *ConnectOptions) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ResumeWindow, 30*time.Second)
	def(&o.InitialBackoff, 200*time.Millisecond)
	def(&o.MaxBackoff, 5*time.Second)
	def(&o.DialTimeout, 10*time.Second)
	def(&o.PingInterval, 15*time.Second)
	def(&o.PingTimeout, 10*time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	def(&o.EventWait, 5*time.Second)
	if o.SendQueue <= 0 {
		o.SendQueue = 64
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = 64
	}
	if o.MaxBackoff < o.InitialBackoff {
		o.MaxBackoff = o.InitialBackoff
	}
}

// EventKind tells what an Event carries.
type EventKind uint8

// Event kinds.
const (
	EventMessage      EventKind = iota + 1 // Envelope was received
	EventConnected                         // the socket is (again) connected
	EventReconnecting                      // the socket dropped; Attempt and Deadline are set
	EventClosed                            // the session is over; Err and Reason say why
)

func (k EventKind) String() string {
	switch k {
	case EventMessage:
		return "message"
	case EventConnected:
		return "connected"
	case EventReconnecting:
		return "reconnecting"
	case EventClosed:
		return "closed"
	default:
		return fmt.Sprintf("EventKind(%d)", uint8(k))
	}
}

// Event is a received envelope or a connection state change.
type Event struct {
	Kind     EventKind
	Envelope wire.Envelope // EventMessage
	Attempt  int           // EventReconnecting: 1 for the first attempt
	Deadline time.Time     // EventReconnecting: when attempts stop
	// Err is the cause: for EventReconnecting the last failure, for
	// EventClosed nil after Session.Close, else ErrSessionEnded,
	// ErrResumeTimeout or an *APIError from the service.
	Err error
	// Reason is the session-ended reason for EventClosed.
	Reason wire.Reason
}

// Session is one participant's connection to a session. Its methods are
// safe for concurrent use.
//
// Events policy: the channel holds EventBuffer events. When it is full, the
// receiving goroutine waits (and so stops reading the socket) up to
// EventWait for a received message, then drops that message and counts it
// in Dropped. State changes and session-ended wait until they are taken or
// the Session is closed, so an owner must either read Events or call Close.
// The channel is closed after the EventClosed event.
type Session struct {
	c     *Client
	id    string
	token string
	opts  ConnectOptions
	log   *slog.Logger

	out     chan *outgoing // bounded; Send waits for room
	acks    chan []byte    // chat-acks to write; full drops one (the chat is resent and shown once)
	resend  chan struct{}  // capacity 1: the peer (re)appeared; unacknowledged chat goes again
	chat    *chatBook
	redial  chan struct{} // capacity 1: Redial asked for a fresh socket
	events  chan Event
	ctx     context.Context // the session's lifetime; cancelled by Close
	cancel  context.CancelFunc
	done    chan struct{} // closed when the run goroutine has returned
	closed  atomic.Bool
	dropped atomic.Int64

	errMu sync.Mutex
	err   error // the closing cause (guarded by errMu)
}

// outgoing is one queued Send waiting for its write result.
type outgoing struct {
	ctx    context.Context
	data   []byte
	result chan error // capacity 1: the writer never blocks on it
}

// Connect opens the session WebSocket as the participant holding token.
// The first connection is made before Connect returns, so a wrong token
// or ended session fails here (as an *APIError); later drops are repaired
// in the background and reported on Events.
func (c *Client) Connect(ctx context.Context, sessionID, token string, opts ConnectOptions) (*Session, error) {
	if sessionID == "" || token == "" {
		return nil, fmt.Errorf("%w: empty session id or token", ErrBadRequest)
	}
	opts.setDefaults()
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	conn, err := c.dialSession(dctx, sessionID, token)
	cancel()
	if err != nil {
		return nil, err
	}
	s := &Session{
		c:      c,
		id:     sessionID,
		token:  token,
		opts:   opts,
		log:    c.log.With("session", sessionID),
		out:    make(chan *outgoing, opts.SendQueue),
		acks:   make(chan []byte, ackQueue),
		resend: make(chan struct{}, 1),
		chat:   newChatBook(),
		redial: make(chan struct{}, 1),
		events: make(chan Event, opts.EventBuffer),
		done:   make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.events <- Event{Kind: EventConnected} // fresh buffer: cannot block
	go s.run(conn)
	return s, nil
}

func (c *Client) dialSession(ctx context.Context, sessionID, token string) (*websocket.Conn, error) {
	u := endpoint(c.wsBase, wire.PathSessionWS, sessionID)
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+token)
	hdr.Set("User-Agent", c.ua)
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: c.http, HTTPHeader: hdr})
	if err != nil {
		if resp != nil && resp.StatusCode >= 300 {
			defer resp.Body.Close()
			return nil, c.apiError(resp.StatusCode, resp.Header, resp.Body)
		}
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("client: session websocket: %w", ctxErr)
		}
		return nil, fmt.Errorf("%w: session websocket: %w", ErrUnreachable, err)
	}
	conn.SetReadLimit(wire.MaxEnvelopeBytes)
	return conn, nil
}

// Redial drops the current socket and connects again at once, as after
// a drop (EventReconnecting, then EventConnected). The owner calls it when
// the machine's network changed: a socket of the old address may look
// alive for many seconds while nothing it writes arrives.
func (s *Session) Redial() {
	select {
	case s.redial <- struct{}{}:
	default: // one is already pending
	}
}

// ID returns the session ID.
func (s *Session) ID() string { return s.id }

// Events returns the event channel; see the Session doc for its policy.
func (s *Session) Events() <-chan Event { return s.events }

// Done is closed once the session is over and Events has been closed.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why the session closed (nil while open or after Close).
func (s *Session) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Dropped counts received messages dropped because Events stayed full.
func (s *Session) Dropped() int64 { return s.dropped.Load() }

// Send validates env and waits until it has been written to the socket.
// While reconnecting, the message waits in the bounded outgoing queue;
// when that is full, Send waits for room. It fails with ErrClosed if the
// session ends first, or with ctx's error; a message whose ctx ended before
// its turn is skipped, though one already being written may still arrive.
func (s *Session) Send(ctx context.Context, env wire.Envelope) error {
	if env.Type == wire.TypeChat && env.ID == "" {
		id, err := newChatID()
		if err != nil {
			return fmt.Errorf("client: chat id: %w", err)
		}
		env.ID = id
	}
	if err := env.Validate(); err != nil {
		return err
	}
	data, err := env.Encode()
	if err != nil {
		return fmt.Errorf("client: encode envelope: %w", err)
	}
	if len(data) > wire.MaxEnvelopeBytes {
		return fmt.Errorf("%w: encoded envelope exceeds %d bytes", wire.ErrInvalidEnvelope, wire.MaxEnvelopeBytes)
	}
	if env.Type == wire.TypeChat {
		s.chat.sent(env.ID, data)
	}
	if s.closed.Load() {
		return ErrClosed
	}
	o := &outgoing{ctx: ctx, data: data, result: make(chan error, 1)}
	select {
	case s.out <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return ErrClosed
	}
	select {
	case err := <-o.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		select {
		case err := <-o.result:
			return err
		default:
			return ErrClosed
		}
	}
}

// Close ends the connection without ending the session on the service
// (send a wire.TypeEnd first for that) and waits for the background work
// to stop. It is idempotent.
func (s *Session) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.cancel()
	<-s.done
	return nil
}
