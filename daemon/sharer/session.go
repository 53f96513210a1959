package sharer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/daemon/input"
	"github.com/quickhelp/quickhelp/daemon/overlay"
	"github.com/quickhelp/quickhelp/daemon/peer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// commandTimeout bounds how long a local command waits for the session loop.
const commandTimeout = 10 * time.Second

// endGrace is how long the session waits for the service to confirm an end
// it asked for before closing anyway.
const endGrace = 2 * time.Second

// sessionQueue bounds the work waiting for the session's loop: local
// commands wait for room, peer states are dropped when it is full (a later
// state follows).
const sessionQueue = 32

// sendQueue bounds the messages waiting for the session socket.
const sendQueue = 128

// errSessionEnded is what a command gets once the session's loop closed.
var errSessionEnded = refuse(wire.ReasonNoSession, "the session has ended")

// session is one sharing session. Everything that changes its state runs on
// its loop goroutine: local commands, peer states and timers are posted to
// its rtc.Loop, which run selects beside the service's events.
type session struct {
	d      *Daemon
	cfg    Config
	logger *slog.Logger
	id     string
	token  string
	helper wire.HelperInfo
	ice    []wire.ICEServer
	// server and iceName are what the resume ticket keeps of the join.
	server, iceName string
	// icePolicy is the session's ICE transport policy (service and
	// machine policy combined), fixed at join.
	icePolicy webrtc.ICETransportPolicy
	api       *client.Client
	sig       *client.Session
	out       chan wire.Envelope // to sig, in order (send, sender)
	gate      *consent.Gate

	q          *rtc.Loop // closed when the session is over
	ctx        context.Context
	cancel     context.CancelFunc
	workers    sync.WaitGroup // pipeline and cursor loop
	annotated  atomic.Bool
	keepAsked  atomic.Bool   // "Keep sharing?" waits for an answer: annotations hidden
	dropped    atomic.Uint64 // input events dropped by the gate, over all grants
	monitorIdx atomic.Int32  // index of the shared monitor
	// mediaUp: the peer connection is connected. Frames are captured and
	// encoded only then, so the first one sent is the keyframe of the
	// screen as it is when the helper can receive it.
	mediaUp atomic.Bool
	shared  atomic.Pointer[wire.Monitor]
	// The latest cursor messages, resent to a viewer that connects later.
	cursorShape, cursorPos atomic.Pointer[[]byte]

	// Owned by the loop goroutine.
	src           capture.Source
	pipe          *pipeline
	injector      input.Injector
	helperPresent bool
	backoff       controlBackoff
	consentTimer  *rtc.Timer // the unanswered screen question is denied
	controlTimer  *rtc.Timer // the unanswered control request is denied
	endTimer      *rtc.Timer // the service did not confirm the end in time
	keepTimer     *rtc.Timer // the next "Keep sharing?"
	keepGrace     *rtc.Timer // the unanswered "Keep sharing?" stops sharing
	restartTimer  *rtc.Timer // the unanswered restart question counts as no
	ticketTimer   *rtc.Timer // the resume ticket's next refresh
	// restarting: the sharer allowed a restart and the system was asked;
	// the session is left to the next daemon (no end, ticket kept).
	restarting bool
	// leaving: the daemon was stopped from outside (cmdLeave); the
	// session is left to the next daemon (no end, ticket kept).
	leaving     bool
	watch       *rtc.PathWatch // the current peer connection's path, nil without one
	lastRestart time.Time      // of the last ICE restart
	// restartOnSocket: the network changed; restart ICE once the session
	// socket is connected again.
	restartOnSocket bool
	// socketBack: the session socket connected again while a peer
	// existed; its hello runs onSocketBack.
	socketBack bool
	// revokeUnsure: control was revoked while the network was broken;
	// the helper may not have heard.
	revokeUnsure bool
	over         bool // run returns endReason
	endReason    wire.Reason

	// overlay is set once on allow, before the peer exists, and read by the
	// data-channel callbacks after that.
	overlay overlay.Overlay

	// refMu guards pc and inputH: the loop replaces them; the pipeline, the
	// cursor loop and data-channel callbacks read them.
	refMu  sync.Mutex
	pc     *peer.Conn
	inputH *input.Handler

	// mu guards st.
	mu sync.Mutex
	st wire.SharerStatus
}

func (s *session) peerConn() *peer.Conn {
	s.refMu.Lock()
	defer s.refMu.Unlock()
	return s.pc
}

func (s *session) inputHandler() *input.Handler {
	s.refMu.Lock()
	defer s.refMu.Unlock()
	return s.inputH
}

func startSession(ctx context.Context, d *Daemon, code, serverURL string) (*session, error) {
	api, err := newAPI(d, serverURL)
	if err != nil {
		return nil, err
	}
	jr, err := api.Join(ctx, normaliseCode(code))
	if err != nil {
		return nil, joinError(err)
	}
	if d.cfg.AllowHelper != nil {
		if err := d.cfg.AllowHelper(jr.Helper); err != nil {
			refuseSession(ctx, api, jr, d.logger)
			return nil, refuse(wire.ReasonMachinePolicy, err.Error())
		}
	}
	return openSession(ctx, d, api, serverURL, jr, false)
}

func newAPI(d *Daemon, serverURL string) (*client.Client, error) {
	api, err := client.New(serverURL, client.WithLogger(d.cfg.Logger))
	if errors.Is(err, client.ErrInsecureURL) {
		return nil, errors.New(client.MsgInsecureURL)
	}
	if err != nil {
		return nil, refuse(wire.ReasonBadServerURL, "the service address is not valid")
	}
	return api, nil
}

// openSession connects the session WebSocket of a joined (or resumed)
// session and starts its loop with the screen question pending.
func openSession(ctx context.Context, d *Daemon, api *client.Client, serverURL string, jr wire.JoinResponse, resumed bool) (*session, error) {
	gate, err := consent.New(consent.Config{Logger: d.cfg.Logger})
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &session{
		d: d, cfg: d.cfg, id: jr.SessionID, token: jr.Token, helper: jr.Helper, ice: jr.ICEServers,
		api: api, gate: gate, server: serverURL, iceName: jr.ICETransportPolicy,
		icePolicy: rtc.TransportPolicy(jr.ICETransportPolicy, d.cfg.ForceRelay != nil && d.cfg.ForceRelay()),
		logger:    d.logger.With("session", jr.SessionID),
		q:         rtc.NewLoop(sessionQueue, errSessionEnded),
		ctx:       sctx, cancel: cancel,
	}
	s.consentTimer = s.q.NewTimer(func() {
		s.logger.Info("screen consent not answered in time: denied")
		s.deny(wire.ReasonConsentTimeout)
	})
	s.controlTimer = s.q.NewTimer(func() {
		s.logger.Info("control request not answered in time: denied")
		s.onCommand(wire.LocalRequest{Cmd: wire.LocalDenyControl})
	})
	s.endTimer = s.q.NewTimer(func() { s.over, s.endReason = true, s.st.Reason })
	s.keepTimer = s.q.NewTimer(s.askKeepSharing)
	s.keepGrace = s.q.NewTimer(s.keepSharingExpired)
	s.restartTimer = s.q.NewTimer(func() {
		s.logger.Info("restart not answered in time: not restarting")
		s.denyRestart()
	})
	s.ticketTimer = s.q.NewTimer(s.refreshTicket)
	s.st = wire.SharerStatus{State: wire.SharerJoining, Control: wire.ControlNone, Helper: &s.helper, SessionID: s.id, Resumed: resumed}
	sig, err := api.Connect(ctx, s.id, s.token, d.cfg.Connect)
	if err != nil {
		cancel()
		if resumed && errors.Is(err, client.ErrUnauthorized) {
			return nil, refuse(wire.ReasonNoSession, "the session is over")
		}
		return nil, refuse(wire.ReasonNoConnection, "cannot connect to the session; please try again")
	}
	s.sig = sig
	// Join returns with the question pending: the status says so at once.
	s.st.State = wire.SharerAwaitingConsent
	s.out = make(chan wire.Envelope, sendQueue)
	s.workers.Go(s.sender)
	s.workers.Go(func() { watchAddrs(s.ctx, s.q, s.onAddrsChanged) })
	s.refreshTicket() // before the loop runs: nothing else touches the timer yet
	go s.loop()
	return s, nil
}

func (s *session) status() wire.SharerStatus {
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	st.Dropped = s.dropped.Load()
	if h := s.inputHandler(); h != nil {
		_, dropped, _ := h.Stats()
		st.Dropped += dropped
	}
	if p := s.pipe; p != nil {
		st.Frames = p.frames.Load()
	}
	return st
}

func (s *session) setStatus(fn func(*wire.SharerStatus)) {
	s.mu.Lock()
	fn(&s.st)
	st := s.st
	s.mu.Unlock()
	s.d.events.publish(wire.LocalEvent{Type: wire.EventStatus, Status: &st})
}

// command runs a local request on the loop and waits for its answer. A
// request whose caller gave up before the loop reached it is not acted on.
func (s *session) command(ctx context.Context, req wire.LocalRequest) error {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	err := s.q.Do(ctx, func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return s.onCommand(req)
	})
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return refuse(wire.ReasonUnavailable, "the sharer daemon is busy; try again")
	}
	return err
}

// stop ends the session from outside the loop and waits for it. A
// session whose computer is restarting is left without an end: the next
// daemon takes it up.
func (s *session) stop() { s.stopWith(cmdShutdown) }

// stopWith stops the session's loop with cmd (cmdShutdown or cmdLeave)
// and waits for it.
func (s *session) stopWith(cmd string) {
	_ = s.command(context.Background(), wire.LocalRequest{Cmd: cmd})
	select {
	case <-s.q.Done():
	case <-time.After(endGrace + time.Second):
		s.cancel()
		<-s.q.Done()
	}
}

// send queues a message to the helper and never waits: while the session
// socket is being dialled again the loop must go on (its path deadlines
// among others), and so must the peer's, whose offers and candidates come
// through here. Messages go out in order; when sendQueue is full the
// message is dropped (a socket that far behind is being replaced).
func (s *session) send(env wire.Envelope) {
	select {
	case s.out <- env:
	default:
		s.logger.Warn("signalling queue full; message dropped", "type", env.Type)
	}
}

// sender writes queued messages until the session's context ends; each
// waits at most 5 s for the socket.
func (s *session) sender() {
	rtc.Consume(s.ctx.Done(), s.out, func(env wire.Envelope) {
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		defer cancel()
		if err := s.sig.Send(ctx, env); err != nil {
			s.logger.Debug("signal not sent", "type", env.Type, "err", err)
		}
	})
}

func (s *session) loop() {
	s.setStatus(func(*wire.SharerStatus) {}) // announce the pending question
	s.d.events.publish(wire.LocalEvent{Type: wire.EventConsentNeeded, Status: ptr(s.status())})
	s.consentTimer.Reset(s.cfg.ConsentTimeout)
	reason := s.run()
	s.teardown(reason)
}

// run handles the service's events and the loop's work (commands, peer
// states, timers) until the session is over, and returns the end reason.
func (s *session) run() wire.Reason {
	for !s.over {
		select {
		case ev, ok := <-s.sig.Events():
			if !ok {
				return wire.ReasonError
			}
			if reason, over := s.onSignal(ev); over {
				return reason
			}
		case fn := <-s.q.Events():
			fn()
		case <-s.ctx.Done():
			return wire.ReasonSharerEnded
		}
	}
	return s.endReason
}

func ptr[T any](v T) *T { return &v }

func (s *session) requestEnd(reason wire.Reason) {
	if s.endTimer.Active() {
		return
	}
	s.setStatus(func(st *wire.SharerStatus) { st.Reason = reason })
	s.send(wire.Envelope{Type: wire.TypeEnd, Reason: reason})
	s.endTimer.Reset(endGrace)
}

func (s *session) teardown(reason wire.Reason) {
	if reason == "" {
		reason = wire.ReasonSharerEnded
	}
	s.consentTimer.Stop()
	s.controlTimer.Stop()
	s.endTimer.Stop()
	s.keepTimer.Stop()
	s.keepGrace.Stop()
	s.restartTimer.Stop()
	s.ticketTimer.Stop()
	if !s.restarting && !s.leaving {
		dropTicket(s.cfg.StateDir, s.cfg.ResumeKey)
	}
	s.gate.End()
	s.closeInjector()
	if s.overlay != nil {
		s.overlay.Close()
	}
	s.cancel()
	s.closePeer()
	s.sig.Close()
	// The pipeline and cursor loop end on s.ctx; capture closes after them.
	s.workers.Wait()
	if s.src != nil {
		s.src.Close()
	}
	st := s.status()
	st.State, st.Control, st.Connected, st.Reason, st.SAS = wire.SharerEnded, wire.ControlNone, false, reason, ""
	st.KeepSharingUntil = 0
	s.q.Close()
	s.d.ended(s, st)
}

// refuseSession ends a session the sharer's machine policy does not allow,
// so the helper learns at once instead of waiting for a timeout.
func refuseSession(ctx context.Context, api *client.Client, jr wire.JoinResponse, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	sig, err := api.Connect(ctx, jr.SessionID, jr.Token, client.ConnectOptions{ResumeWindow: time.Second})
	if err != nil {
		logger.Warn("could not tell the service about a refused helper", "err", err)
		return
	}
	defer sig.Close()
	if err := sig.Send(ctx, wire.Envelope{Type: wire.TypeEnd, Reason: wire.ReasonPolicy}); err != nil {
		logger.Warn("could not tell the service about a refused helper", "err", err)
		return
	}
	// Wait for the service to confirm, so the end is not lost on close.
	for {
		select {
		case ev, ok := <-sig.Events():
			if !ok || ev.Kind == client.EventClosed || (ev.Kind == client.EventMessage && ev.Envelope.Type == wire.TypeSessionEnded) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}
