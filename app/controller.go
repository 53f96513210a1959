package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// ControllerConfig configures a Controller.
type ControllerConfig struct {
	// Sink receives everything shown to the page. Required.
	Sink Sink
	// Server is the default service URL offered on the sign-in form. Optional.
	Server string
	// ResumeWindow is how long the UI shows "reconnecting" before giving up
	// on a lost peer connection (30 s, the service's resume window).
	ResumeWindow time.Duration
	// RequestTimeout bounds one REST call (15 s).
	RequestTimeout time.Duration
	// StatsInterval is how often stats go to the page while live (1 s).
	StatsInterval time.Duration
	// Connect tunes the session WebSocket; zero values are the client's defaults.
	Connect client.ConnectOptions
	// Dropped, if set, counts frames the page side dropped (Bridge.Dropped).
	Dropped func() uint64
	// ViewerSettings, if set, adjusts each viewer's config (tests use it).
	ViewerSettings func(*viewer.Config)
	// Policy, if set, is this machine's QuickHelp policy: Check says whether
	// QuickHelp may run at all, CheckServer whether a service may be used.
	// Their errors are shown to people as they are.
	Policy MachinePolicy
	// Logger; nil discards.
	Logger *slog.Logger
}

// MachinePolicy is the part of internal/policy the console needs. A
// policy that also has a ForceRelay() bool method can force relay-only
// connections (machine policy ForceRelay).
type MachinePolicy interface {
	Check() error
	CheckServer(serverURL string) error
}

// forceRelay reports whether the machine policy forces relay-only ICE.
func (c *Controller) forceRelay() bool {
	fr, ok := c.cfg.Policy.(interface{ ForceRelay() bool })
	return ok && fr.ForceRelay()
}

// Controller runs the helper's side of a session: sign-in, code, waiting for
// the sharer and their consent, the peer connection, control, chat, end. All
// its state is owned by one goroutine; page requests, service events, viewer
// callbacks and timers are posted to it.
type Controller struct {
	cfg ControllerConfig
	log *slog.Logger

	inbox     chan func()   // work for the loop; posters wait for room
	viewState chan struct{} // capacity 1: a viewer's state changed
	sendQ     chan sendItem // signalling messages for the sender goroutine
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once

	// Owned by the loop goroutine.
	st         wire.BridgeStatus
	api        *client.Client
	bearer     string
	sess       *session // nil outside a session
	generation int      // increments per session so stale callbacks are ignored
	lastKey    time.Time
	statsTick  *time.Ticker
}

// session is what the controller holds for one code/session.
type session struct {
	gen        int
	id         string
	token      string
	code       string
	expiresAt  time.Time
	ice        []wire.ICEServer
	icePolicy  webrtc.ICETransportPolicy // service and machine policy combined
	conn       *client.Session           // nil until connected
	view       *viewer.Viewer            // nil until the sharer's offer or consent
	viewState  viewer.State
	resumeFrom string // the state to return to after reconnecting
	features   map[string]bool
	timer      *time.Timer // code expiry or reconnect deadline
	ended      bool
	stateMu    sync.Mutex // guards latest
	latest     viewer.State
}

type sendItem struct {
	conn *client.Session
	env  wire.Envelope
	done func(error) // runs on the loop; may be nil
}

// Queue sizes: inbox holds work for the loop (posters wait); sendQ holds
// outgoing signalling (when full the message is dropped and its done gets
// ErrSendQueueFull, so the loop never waits on the network).
const (
	inboxSize = 128
	sendQSize = 64
)

// NewController validates cfg and starts the controller's goroutines.
func NewController(cfg ControllerConfig) (*Controller, error) {
	if cfg.Sink == nil {
		return nil, fmt.Errorf("%w: Sink is required", ErrInvalidConfig)
	}
	if cfg.ResumeWindow <= 0 {
		cfg.ResumeWindow = 30 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 15 * time.Second
	}
	if cfg.StatsInterval <= 0 {
		cfg.StatsInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Controller{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "controller"),
		inbox:     make(chan func(), inboxSize),
		viewState: make(chan struct{}, 1),
		sendQ:     make(chan sendItem, sendQSize),
		st:        wire.BridgeStatus{State: wire.UIStateSignedOut, Server: cfg.Server, Control: wire.ControlNone},
		statsTick: time.NewTicker(cfg.StatsInterval),
	}
	if cfg.Policy != nil {
		if err := cfg.Policy.Check(); err != nil {
			c.st.State, c.st.Reason = wire.UIStateDisabled, err.Error()
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(2)
	go c.loop()
	go c.sender()
	return c, nil
}

// Close ends any session locally, stops the goroutines and waits for them.
func (c *Controller) Close() error {
	c.closeOnce.Do(func() {
		done := make(chan struct{})
		select {
		case c.inbox <- func() { c.teardown(); close(done) }:
			<-done
		case <-c.ctx.Done():
		}
		c.cancel()
		c.wg.Wait()
		c.statsTick.Stop()
	})
	return nil
}

// post hands fn to the loop; it is dropped once the controller is closed.
func (c *Controller) post(fn func()) {
	select {
	case c.inbox <- fn:
	case <-c.ctx.Done():
	}
}

// async runs slow work (REST calls) off the loop and posts its result back.
func (c *Controller) async(work func(ctx context.Context) func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
		defer cancel()
		if then := work(ctx); then != nil {
			c.post(then)
		}
	}()
}

func (c *Controller) loop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case fn := <-c.inbox:
			fn()
		case <-c.viewState:
			c.onViewerState()
		case <-c.statsTick.C:
			c.sendStats()
		}
	}
}

// sender writes signalling messages so the loop never waits on the network.
func (c *Controller) sender() {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case it := <-c.sendQ:
			ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
			err := it.conn.Send(ctx, it.env)
			cancel()
			if err != nil {
				c.log.Debug("signalling send failed", "type", it.env.Type, "err", err)
			}
			if it.done != nil {
				done := it.done
				c.post(func() { done(err) })
			}
		}
	}
}

// signal queues env on the current session's connection.
func (c *Controller) signal(env wire.Envelope, done func(error)) {
	if c.sess == nil || c.sess.conn == nil {
		if done != nil {
			done(ErrNoSession)
		}
		return
	}
	select {
	case c.sendQ <- sendItem{conn: c.sess.conn, env: env, done: done}:
	default:
		c.log.Warn("signalling queue full; message dropped", "type", env.Type)
		if done != nil {
			done(ErrSendQueueFull)
		}
	}
}

// setState changes the UI state and tells the page.
func (c *Controller) setState(state string) {
	c.st.State = state
	if state != wire.UIStateReconnecting {
		c.st.ReconnectUntil = 0
	}
	if state != wire.UIStateEnded {
		c.st.Reason = ""
	}
	c.emitState()
}

func (c *Controller) emitState() {
	st := c.st
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeState, Status: &st})
}

func (c *Controller) notice(reason string) {
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeNotice, Reason: reason})
}

func (c *Controller) fail(reason, message string) {
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeError, Reason: reason, Message: message})
}

// PageConnected sends the page everything it needs to draw the current screen.
func (c *Controller) PageConnected() {
	c.post(func() {
		c.emitState()
		if s := c.sess; s != nil && s.code != "" && c.st.State == wire.UIStateWaitingSharer {
			c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeSession, Code: s.code, ExpiresAt: s.expiresAt.UnixMilli()})
		}
		if s := c.sess; s != nil && s.view != nil {
			s.view.RequestKeyframe() // a new page has no decoder state
		}
	})
}

// FramesDropped asks for a keyframe after the bridge dropped frames.
func (c *Controller) FramesDropped() { c.post(c.requestKeyframe) }

func (c *Controller) requestKeyframe() {
	// At most a few per second: a page that keeps failing must not flood
	// the sharer's encoder with keyframe requests.
	if c.sess == nil || c.sess.view == nil || time.Since(c.lastKey) < 300*time.Millisecond {
		return
	}
	c.lastKey = time.Now()
	c.sess.view.RequestKeyframe()
}

// HandleRequest is called by the bridge for each page request.
func (c *Controller) HandleRequest(r wire.BridgeRequest) {
	c.post(func() { c.handle(r) })
}

func (c *Controller) handle(r wire.BridgeRequest) {
	if c.st.State == wire.UIStateDisabled {
		c.fail(wire.BridgeReasonMachinePolicy, c.st.Reason)
		return
	}
	switch r.Type {
	case wire.BridgeLogin:
		c.login(r)
	case wire.BridgeLogout:
		c.logout()
	case wire.BridgeCreateSession:
		c.createSession()
	case wire.BridgeCancel:
		c.cancelSession()
	case wire.BridgeEnd:
		c.endSession(wire.ReasonHelperEnded)
	case wire.BridgeReset:
		if c.st.State == wire.UIStateEnded {
			c.teardown()
			c.goHome()
		}
	case wire.BridgeChat:
		c.sendChat(r.Text)
	case wire.BridgeRequestControl:
		c.requestControl()
	case wire.BridgeReleaseControl:
		c.releaseControl()
	case wire.BridgeInput:
		c.sendInput(*r.Input)
	case wire.BridgeAnnotate:
		c.sendAnnotation(*r.Annotation)
	case wire.BridgeSwitchMonitor:
		if c.live() {
			c.signal(wire.Envelope{Type: wire.TypeSwitchMonitor, Monitor: r.Monitor}, nil)
		}
	case wire.BridgeKeyframe:
		c.requestKeyframe()
	}
}

func (c *Controller) goHome() {
	if c.bearer == "" {
		c.setState(wire.UIStateSignedOut)
		return
	}
	c.st.Control, c.st.Paused, c.st.SharerPresent = wire.ControlNone, false, false
	c.setState(wire.UIStateHome)
}

func (c *Controller) notAllowed() {
	c.fail(wire.BridgeReasonNotAllowed, "That is not possible right now.")
}

func (c *Controller) login(r wire.BridgeRequest) {
	if c.st.State != wire.UIStateSignedOut {
		c.notAllowed()
		return
	}
	server := r.Server
	if server == "" {
		server = c.cfg.Server
	}
	api, err := client.New(server, client.WithLogger(c.cfg.Logger))
	if errors.Is(err, client.ErrInsecureURL) {
		c.fail(wire.BridgeReasonBadServer, client.MsgInsecureURL)
		return
	}
	if err != nil {
		c.fail(wire.BridgeReasonBadServer, "The server address does not look right.")
		return
	}
	if c.cfg.Policy != nil {
		if err := c.cfg.Policy.CheckServer(server); err != nil {
			c.fail(wire.BridgeReasonMachinePolicy, err.Error())
			return
		}
	}
	c.st.Server = server
	c.setState(wire.UIStateSigningIn)
	email, password := r.Email, r.Password
	c.async(func(ctx context.Context) func() {
		res, err := api.Login(ctx, email, password)
		return func() {
			if c.st.State != wire.UIStateSigningIn {
				return
			}
			if err != nil {
				c.log.Info("sign-in failed", "err", err)
				c.setState(wire.UIStateSignedOut)
				reason, msg := loginFailure(err)
				c.fail(reason, msg)
				return
			}
			c.api, c.bearer = api, res.Token
			c.st.UserName = displayName(res.User)
			c.goHome()
		}
	})
}

// loginFailure turns a sign-in error into a reason and a plain sentence.
func loginFailure(err error) (reason, message string) {
	switch {
	case errors.Is(err, client.ErrUnauthorized), errors.Is(err, client.ErrBadRequest), errors.Is(err, client.ErrNotFound):
		return wire.BridgeReasonBadCredentials, "The email or password is not right."
	case errors.Is(err, client.ErrHelperSuspended), errors.Is(err, client.ErrOrgDisabled), errors.Is(err, client.ErrForbidden):
		return wire.BridgeReasonSuspended, client.UserMessage(err)
	case errors.Is(err, client.ErrRateLimited):
		return wire.BridgeReasonRateLimited, client.UserMessage(err)
	case errors.Is(err, client.ErrUnreachable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, client.ErrBadResponse):
		return wire.BridgeReasonUnreachable, "Could not reach the QuickHelp server."
	default:
		return wire.BridgeReasonInternal, client.UserMessage(err)
	}
}

func displayName(u wire.User) string {
	name := u.FirstName
	if u.LastName != "" {
		r := []rune(u.LastName)
		name += " " + string(r[0]) + "."
	}
	if name == "" {
		name = u.Email
	}
	return name
}

func (c *Controller) logout() {
	if c.bearer == "" {
		return
	}
	c.teardown()
	api, bearer := c.api, c.bearer
	c.api, c.bearer, c.st.UserName = nil, "", ""
	c.async(func(ctx context.Context) func() {
		if err := api.Logout(ctx, bearer); err != nil {
			c.log.Debug("sign-out call failed", "err", err)
		}
		return nil
	})
	c.setState(wire.UIStateSignedOut)
}

// live reports whether the peer connection is up or being repaired.
func (c *Controller) live() bool {
	return c.sess != nil && (c.st.State == wire.UIStateLive || c.st.State == wire.UIStateReconnecting)
}

func (c *Controller) sendChat(text string) {
	if c.sess == nil || c.sess.conn == nil || !c.st.SharerPresent {
		c.notAllowed()
		return
	}
	c.feature(wire.FeatureChat)
	c.signal(wire.Envelope{Type: wire.TypeChat, Text: text}, func(err error) {
		if err != nil {
			c.fail(wire.BridgeReasonConnectionLost, "The message could not be sent.")
			return
		}
		// Echo once the service took it, so the log shows what was sent.
		c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeChatMsg, Chat: &wire.BridgeChatLine{
			From: wire.RoleHelper, Text: text, TS: time.Now().UnixMilli(),
		}})
	})
}

func (c *Controller) requestControl() {
	if c.st.State != wire.UIStateLive || c.st.Control != wire.ControlNone {
		c.notAllowed()
		return
	}
	c.st.Control = wire.ControlRequested
	c.emitState()
	c.signal(wire.Envelope{Type: wire.TypeControlRequest}, nil)
}

func (c *Controller) releaseControl() {
	if c.sess == nil || c.st.Control == wire.ControlNone {
		return
	}
	if c.sess.view != nil {
		_ = c.sess.view.SendInput(wire.InputEvent{T: wire.InputReleaseAll})
	}
	c.st.Control = wire.ControlNone
	c.emitState()
	c.signal(wire.Envelope{Type: wire.TypeControl, State: wire.StateReleased}, nil)
}

func (c *Controller) sendInput(ev wire.InputEvent) {
	// The sharer's consent gate is the authority; this only avoids sending
	// what it would drop anyway.
	if c.sess == nil || c.sess.view == nil || c.st.Control != wire.ControlGranted || c.st.Paused {
		return
	}
	if err := c.sess.view.SendInput(ev); err != nil && !errors.Is(err, viewer.ErrBackpressure) {
		c.log.Debug("input not sent", "err", err)
	}
}

func (c *Controller) sendAnnotation(a wire.Annotation) {
	if c.sess == nil || c.sess.view == nil || c.st.State != wire.UIStateLive {
		return
	}
	c.feature(wire.FeatureAnnotation)
	if err := c.sess.view.SendAnnotation(a); err != nil {
		c.log.Debug("annotation not sent", "err", err)
	}
}

// feature reports a used feature to the service once per session.
func (c *Controller) feature(name string) {
	if c.sess == nil || c.sess.features[name] {
		return
	}
	c.sess.features[name] = true
	c.signal(wire.Envelope{Type: wire.TypeFeature, Feature: name}, nil)
}

func (c *Controller) sendStats() {
	if c.sess == nil || c.sess.view == nil || c.st.State != wire.UIStateLive {
		return
	}
	s := c.sess.view.Stats()
	dropped := s.FramesDropped
	if c.cfg.Dropped != nil {
		dropped += c.cfg.Dropped()
	}
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeStats, Stats: &wire.BridgeStatsInfo{
		FPS:         s.FPS,
		BitrateKbps: float64(s.BitrateKbps),
		RTTMs:       s.RTTMs,
		LatencyMs:   s.LatencyMs,
		Dropped:     dropped,
	}})
}
