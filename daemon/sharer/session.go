package sharer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/daemon/input"
	"github.com/quickhelp/quickhelp/daemon/overlay"
	"github.com/quickhelp/quickhelp/daemon/peer"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// commandTimeout bounds how long a local command waits for the session loop.
const commandTimeout = 10 * time.Second

// endGrace is how long the session waits for the service to confirm an end
// it asked for before closing anyway.
const endGrace = 2 * time.Second

type command struct {
	req   wire.LocalRequest
	reply chan error
}

// session is one sharing session. Everything that changes its state runs on
// its loop goroutine; other goroutines post to it.
type session struct {
	d      *Daemon
	cfg    Config
	logger *slog.Logger
	id     string
	token  string
	helper wire.HelperInfo
	ice    []wire.ICEServer
	api    *client.Client
	sig    *client.Session
	gate   *consent.Gate

	cmds       chan command
	peerState  chan peerEvent
	done       chan struct{}
	ctx        context.Context
	cancel     context.CancelFunc
	workers    sync.WaitGroup // pipeline and cursor loop
	annotated  atomic.Bool
	dropped    atomic.Uint64 // input events dropped by the gate, over all grants
	monitorIdx atomic.Int32  // index of the shared monitor
	shared     atomic.Pointer[wire.Monitor]

	// Owned by the loop goroutine.
	src           capture.Source
	pipe          *pipeline
	injector      input.Injector
	helperPresent bool
	consentTimer  *time.Timer
	controlTimer  *time.Timer
	endTimer      *time.Timer

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

type peerEvent struct {
	pc    *peer.Conn
	state peer.State
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
	api, err := client.New(serverURL, client.WithLogger(d.cfg.Logger))
	if err != nil {
		return nil, errors.New("the service address is not valid")
	}
	jr, err := api.Join(ctx, normaliseCode(code))
	if err != nil {
		return nil, joinError(err)
	}
	if d.cfg.AllowHelper != nil {
		if err := d.cfg.AllowHelper(jr.Helper); err != nil {
			refuseSession(ctx, api, jr, d.logger)
			return nil, refuse(wire.LocalReasonPolicy, err.Error())
		}
	}
	gate, err := consent.New(consent.Config{Logger: d.cfg.Logger})
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &session{
		d: d, cfg: d.cfg, id: jr.SessionID, token: jr.Token, helper: jr.Helper, ice: jr.ICEServers,
		api: api, gate: gate,
		logger:    d.logger.With("session", jr.SessionID),
		cmds:      make(chan command),
		peerState: make(chan peerEvent, 16),
		done:      make(chan struct{}),
		ctx:       sctx, cancel: cancel,
	}
	s.st = wire.SharerStatus{State: wire.SharerJoining, Control: wire.ControlNone, Helper: &s.helper, SessionID: s.id}
	sig, err := api.Connect(ctx, s.id, s.token, d.cfg.Connect)
	if err != nil {
		cancel()
		return nil, errors.New("cannot connect to the session; please try again")
	}
	s.sig = sig
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

// command posts a local request to the loop and waits for its answer.
func (s *session) command(ctx context.Context, req wire.LocalRequest) error {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	c := command{req: req, reply: make(chan error, 1)}
	select {
	case s.cmds <- c:
	case <-s.done:
		return errors.New("the session has ended")
	case <-ctx.Done():
		return errors.New("the sharer daemon is busy; try again")
	}
	select {
	case err := <-c.reply:
		return err
	case <-ctx.Done():
		return errors.New("the sharer daemon is busy; try again")
	}
}

// stop ends the session from outside the loop and waits for it.
func (s *session) stop(reason string) {
	_ = s.command(context.Background(), wire.LocalRequest{Cmd: wire.LocalStop})
	select {
	case <-s.done:
	case <-time.After(endGrace + time.Second):
		s.cancel()
		<-s.done
	}
}

func (s *session) send(env wire.Envelope) {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	if err := s.sig.Send(ctx, env); err != nil {
		s.logger.Debug("signal not sent", "type", env.Type, "err", err)
	}
}

func (s *session) loop() {
	s.setStatus(func(st *wire.SharerStatus) { st.State = wire.SharerAwaitingConsent })
	s.d.events.publish(wire.LocalEvent{Type: wire.EventConsentNeeded, Status: ptr(s.status())})
	s.consentTimer = time.NewTimer(s.cfg.ConsentTimeout)
	reason := s.run()
	s.teardown(reason)
}

// run handles events until the session is over and returns the end reason.
func (s *session) run() string {
	for {
		select {
		case ev, ok := <-s.sig.Events():
			if !ok {
				return wire.ReasonError
			}
			if reason, over := s.onSignal(ev); over {
				return reason
			}
		case c := <-s.cmds:
			err := s.onCommand(c.req)
			c.reply <- err
		case ev := <-s.peerState:
			if ev.pc == s.peerConn() {
				s.onPeerState(ev.state)
			}
		case <-timerC(s.consentTimer):
			s.consentTimer = nil
			s.logger.Info("screen consent not answered in time: denied")
			s.deny(wire.ReasonConsentTimeout)
		case <-timerC(s.controlTimer):
			s.controlTimer = nil
			s.logger.Info("control request not answered in time: denied")
			s.onCommand(wire.LocalRequest{Cmd: wire.LocalDenyControl})
		case <-timerC(s.endTimer):
			return s.st.Reason
		case <-s.ctx.Done():
			return wire.ReasonSharerEnded
		}
	}
}

func timerC(t *time.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C
}

func stopTimer(t **time.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

func ptr[T any](v T) *T { return &v }

func (s *session) onSignal(ev client.Event) (reason string, over bool) {
	switch ev.Kind {
	case client.EventReconnecting:
		// Any reconnect drops back to view-only, at once.
		s.dropControl()
		return "", false
	case client.EventClosed:
		if ev.Reason == "" {
			return wire.ReasonError, true
		}
		return ev.Reason, true
	case client.EventMessage:
	default:
		return "", false
	}
	env := &ev.Envelope
	switch env.Type {
	case wire.TypeHello:
		if env.Peer != s.helperPresent {
			s.setHelperPresent(env.Peer)
		}
		s.dropControl()
	case wire.TypePeerJoined:
		s.setHelperPresent(true)
	case wire.TypePeerLeft:
		s.dropControl()
		s.setHelperPresent(false)
	case wire.TypeAnswer, wire.TypeCandidate:
		if pc := s.peerConn(); pc != nil {
			if err := pc.HandleSignal(*env); err != nil {
				s.logger.Warn("signal refused", "type", env.Type, "err", err)
			}
		}
	case wire.TypeControlRequest:
		if err := s.gate.RequestControl(); err != nil {
			s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateDenied})
			return "", false
		}
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlRequested })
		s.d.events.publish(wire.LocalEvent{Type: wire.EventControlRequest, Status: ptr(s.status())})
		stopTimer(&s.controlTimer)
		s.controlTimer = time.NewTimer(s.cfg.ConsentTimeout)
	case wire.TypeControl:
		if env.State == wire.StateReleased {
			s.dropControl()
		}
	case wire.TypeSwitchMonitor:
		if s.src != nil {
			if err := s.src.SetMonitor(env.Monitor); err == nil {
				s.monitorIdx.Store(int32(env.Monitor))
				s.send(wire.Envelope{Type: wire.TypeMonitors, Monitors: s.refreshMonitor(), Monitor: env.Monitor})
			}
		}
	case wire.TypeChat:
		s.d.events.publish(wire.LocalEvent{Type: wire.EventChat, Text: env.Text, From: wire.RoleHelper, TS: env.TS})
	case wire.TypeSessionEnded:
		return env.Reason, true
	}
	return "", false
}

func (s *session) setHelperPresent(on bool) {
	was := s.helperPresent
	s.helperPresent = on
	if !on {
		s.closePeer()
		s.setStatus(func(st *wire.SharerStatus) { st.Connected = false })
		return
	}
	// The helper (re)appeared: its new viewer needs a new offer.
	if (!was || s.peerConn() == nil) && s.gate.State().Screen == consent.ScreenGranted {
		s.startPeer()
	}
}

// dropControl returns to view-only (reconnect, helper left or released).
func (s *session) dropControl() {
	stopTimer(&s.controlTimer)
	had := s.gate.State().Control
	if err := s.gate.Reconnected(); err != nil {
		return
	}
	s.closeInjector()
	if had != consent.ControlNone {
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlNone })
		if had == consent.ControlGranted {
			s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateRevoked})
		}
	}
}

func (s *session) onCommand(req wire.LocalRequest) error {
	switch req.Cmd {
	case wire.LocalAllow:
		return s.allow()
	case wire.LocalDeny:
		return s.deny(wire.ReasonSharerDenied)
	case wire.LocalAllowControl:
		return s.allowControl()
	case wire.LocalDenyControl:
		stopTimer(&s.controlTimer)
		if err := s.gate.DenyControl(); err != nil {
			return errors.New("the helper has not asked for control")
		}
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlNone })
		s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateDenied})
	case wire.LocalRevokeControl:
		if err := s.gate.RevokeControl(); err != nil {
			return errors.New("the helper does not have control")
		}
		s.closeInjector()
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlNone })
		s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateRevoked})
	case wire.LocalPause:
		if err := s.gate.Pause(); err != nil {
			return errors.New("nothing is being shared")
		}
		s.pipe.poke()
		s.setStatus(func(st *wire.SharerStatus) { st.State = wire.SharerPaused })
		s.send(wire.Envelope{Type: wire.TypePause})
	case wire.LocalResume:
		if err := s.gate.Resume(); err != nil {
			return errors.New("sharing is not paused")
		}
		s.pipe.requestKeyframe()
		s.pipe.poke()
		s.setStatus(func(st *wire.SharerStatus) { st.State = wire.SharerSharing })
		s.send(wire.Envelope{Type: wire.TypeResume})
	case wire.LocalStop:
		s.requestEnd(wire.ReasonSharerEnded)
	case wire.LocalChat:
		if req.Text == "" {
			return errors.New("the message is empty")
		}
		env := wire.Envelope{Type: wire.TypeChat, Text: req.Text}
		if err := env.Validate(); err != nil {
			return errors.New("the message is too long")
		}
		s.send(env)
	case wire.LocalReport:
		ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
		defer cancel()
		if err := s.api.Report(ctx, s.token, s.id, req.Comment); err != nil {
			s.requestEnd(wire.ReasonReported)
			return fmt.Errorf("the report could not be sent (%s); the session was stopped", client.UserMessage(err))
		}
		s.requestEnd(wire.ReasonReported)
	default:
		return fmt.Errorf("unknown command %q", truncate(req.Cmd, 32))
	}
	return nil
}

func (s *session) allow() error {
	stopTimer(&s.consentTimer)
	if err := s.gate.AllowScreen(); err != nil {
		return errors.New("there is no pending request to share your screen")
	}
	src, err := s.cfg.NewSource(capture.Config{Display: s.cfg.Display, Monitor: s.cfg.Monitor, MaxFPS: s.cfg.MaxFPS, Logger: s.cfg.Logger})
	if err != nil {
		s.logger.Error("screen capture unavailable", "err", err)
		s.requestEnd(wire.ReasonError)
		return errors.New("your screen cannot be captured on this system")
	}
	s.src = src
	s.monitorIdx.Store(int32(s.cfg.Monitor))
	s.refreshMonitor()
	s.overlay = s.cfg.NewOverlay(s.cfg.Display, s.monitor, s.cfg.Logger)
	s.pipe = newPipeline(src, s.cfg.NewEncoder, s.writeFrame, s.gate.MaySend, s.cfg.MaxFPS, s.cfg.BitrateKbps, s.logger)
	s.workers.Add(2)
	go func() { defer s.workers.Done(); s.pipe.run(s.ctx) }()
	go func() { defer s.workers.Done(); s.cursorLoop(s.ctx) }()
	s.setStatus(func(st *wire.SharerStatus) { st.State = wire.SharerSharing })
	s.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted})
	s.send(wire.Envelope{Type: wire.TypeMonitors, Monitors: s.refreshMonitor(), Monitor: s.cfg.Monitor})
	if s.helperPresent && s.peerConn() == nil {
		s.startPeer()
	}
	return nil
}

// deny refuses screen sharing; reason says whether the sharer chose to
// or the prompt went unanswered.
func (s *session) deny(reason string) error {
	stopTimer(&s.consentTimer)
	if err := s.gate.DenyScreen(); err != nil {
		return errors.New("there is no pending request to share your screen")
	}
	s.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateDenied, Reason: reason})
	s.requestEnd(reason)
	return nil
}

func (s *session) allowControl() error {
	stopTimer(&s.controlTimer)
	if s.gate.State().Control != consent.ControlRequested {
		return errors.New("the helper has not asked for control")
	}
	inj, err := s.cfg.NewInjector(s.cfg.Display)
	if err != nil {
		s.logger.Error("input injection unavailable", "err", err)
		s.gate.DenyControl()
		s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlNone })
		s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateDenied})
		return errors.New("control cannot be given on this system")
	}
	h, err := input.New(input.Config{Injector: inj, Gate: s.gate, Monitor: s.monitor, Logger: s.cfg.Logger})
	if err != nil {
		inj.Close()
		return errors.New("control cannot be given on this system")
	}
	if err := s.gate.AllowControl(); err != nil {
		h.Close()
		inj.Close()
		return errors.New("control can only be given while your screen is shared")
	}
	s.injector = inj
	s.refMu.Lock()
	s.inputH = h
	s.refMu.Unlock()
	s.setStatus(func(st *wire.SharerStatus) { st.Control = wire.ControlGranted })
	s.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateGranted})
	return nil
}

// closeInjector releases held input and closes the injector. The gate has
// already closed, so nothing more can be injected.
func (s *session) closeInjector() {
	s.refMu.Lock()
	h := s.inputH
	s.inputH = nil
	s.refMu.Unlock()
	if h != nil {
		h.ReleaseAll()
		h.Close()
		_, dropped, _ := h.Stats()
		s.dropped.Add(dropped)
	}
	if s.injector != nil {
		s.injector.Close()
		s.injector = nil
	}
}

// monitor is the geometry of the shared monitor in screen pixels. The input
// handler and the overlay ask for it per event, so it is cached here and
// refreshed by the loop when sharing starts or the monitor changes.
func (s *session) monitor() wire.Monitor {
	if m := s.shared.Load(); m != nil {
		return *m
	}
	return wire.Monitor{}
}

// refreshMonitor re-reads the layout and returns it. Loop goroutine only.
func (s *session) refreshMonitor() []wire.Monitor {
	mons := s.src.Monitors()
	idx := int(s.monitorIdx.Load())
	if idx >= len(mons) {
		idx = 0
	}
	if len(mons) > 0 {
		m := mons[idx]
		s.shared.Store(&m)
	}
	return mons
}

func (s *session) requestEnd(reason string) {
	if s.endTimer != nil {
		return
	}
	s.setStatus(func(st *wire.SharerStatus) { st.Reason = reason })
	s.send(wire.Envelope{Type: wire.TypeEnd, Reason: reason})
	s.endTimer = time.NewTimer(endGrace)
}

func (s *session) writeFrame(data []byte, key bool, captured time.Time) error {
	pc := s.peerConn()
	if pc == nil {
		return errNoViewer
	}
	return pc.WriteFrame(data, key, captured)
}

func (s *session) teardown(reason string) {
	if reason == "" {
		reason = wire.ReasonSharerEnded
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
	st.State, st.Control, st.Connected, st.Reason = wire.SharerEnded, wire.ControlNone, false, reason
	close(s.done)
	s.d.ended(s, st)
}

func (s *session) onData(channel string, msg []byte) {
	switch channel {
	case wire.ChannelInput, wire.ChannelPointer:
		// The handler itself asks the gate before every event.
		if h := s.inputHandler(); h != nil {
			h.HandleMessage(channel, msg)
		} else {
			s.dropped.Add(1) // no control granted: the event goes nowhere
		}
	case wire.ChannelAnnotate:
		a, err := wire.DecodeAnnotation(msg)
		if err != nil {
			return
		}
		if !s.gate.MaySend() {
			return
		}
		if s.overlay == nil {
			return
		}
		if err := s.overlay.Apply(a); err != nil {
			s.logger.Debug("annotation not shown", "err", err)
		}
		if !s.annotated.Swap(true) {
			s.send(wire.Envelope{Type: wire.TypeFeature, Feature: wire.FeatureAnnotation})
		}
	}
}

func (s *session) cursorLoop(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	var last wire.Cursor
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pc := s.peerConn()
		if pc == nil || !s.gate.MaySend() {
			continue
		}
		pos, shape, err := s.src.Cursor()
		if err != nil {
			continue
		}
		if shape != nil {
			if b, err := json.Marshal(shape); err == nil {
				pc.SendCursor(b)
			}
		}
		if pos.X != last.X || pos.Y != last.Y || pos.Visible != last.Visible {
			if b, err := json.Marshal(pos); err == nil && pc.SendCursor(b) == nil {
				last = pos
			}
		}
	}
}

var errNoViewer = errors.New("sharer: no viewer connected")

func (s *session) startPeer() {
	var pc *peer.Conn
	pc, err := peer.New(peer.Config{
		ICEServers: s.ice,
		Signal: func(env wire.Envelope) error {
			s.send(env)
			return nil
		},
		OnKeyframeRequest: s.pipe.requestKeyframe,
		OnBitrate:         s.pipe.setBitrate,
		OnData:            s.onData,
		OnState: func(st peer.State) {
			select {
			case s.peerState <- peerEvent{pc: pc, state: st}:
			default: // the loop is far behind; a later state will follow
			}
		},
		Logger:        s.cfg.Logger,
		SettingEngine: s.cfg.PeerSettings,
	})
	if err != nil {
		s.logger.Error("peer connection setup failed", "err", err)
		return
	}
	s.refMu.Lock()
	s.pc = pc
	s.refMu.Unlock()
	if err := pc.Start(s.ctx); err != nil {
		s.logger.Warn("offer failed", "err", err)
	}
}

func (s *session) closePeer() {
	s.refMu.Lock()
	pc := s.pc
	s.pc = nil
	s.refMu.Unlock()
	if pc != nil {
		pc.Close()
	}
}

func (s *session) onPeerState(st peer.State) {
	switch st {
	case peer.StateConnected:
		s.setStatus(func(x *wire.SharerStatus) { x.Connected = true })
		s.pipe.requestKeyframe()
	case peer.StateDisconnected, peer.StateFailed:
		// The media path broke: view-only until the sharer allows again.
		s.dropControl()
		s.setStatus(func(x *wire.SharerStatus) { x.Connected = false })
		if st == peer.StateFailed {
			if pc := s.peerConn(); pc != nil {
				if err := pc.Restart(); err != nil {
					s.logger.Warn("ICE restart failed", "err", err)
				}
			}
		}
	}
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
