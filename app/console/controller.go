package console

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/app/bridge"
	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// ControllerConfig configures a Controller.
type ControllerConfig struct {
	// Sink receives everything shown to the page. Required.
	Sink bridge.Sink
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
	// Browser opens the sign-in with the organisation's provider; nil
	// means SystemBrowser.
	Browser BrowserLauncher
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
// its state is owned by one goroutine, the loop of an rtc.Loop; page
// requests, service events, viewer callbacks and timers are posted to it.
type Controller struct {
	cfg ControllerConfig
	log *slog.Logger

	q         *rtc.Loop       // work for the loop goroutine; posters wait for room
	viewState *rtc.Notifier   // a viewer's state changed; the viewer never waits for the loop
	sendQ     chan sendItem   // signalling messages for the sender goroutine
	ctx       context.Context // ends the REST calls and the sender at Close
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
	stats      *rtc.Timer     // the next stats for the page; re-armed each time
	chat       bridge.ChatLog // the current session's chat, for a page that reloads
	oidcCancel func()         // stops a sign-in waiting in the browser; nil otherwise
}

// session is what the controller holds for one code/session.
type session struct {
	id         string
	code       string
	expiresAt  time.Time
	ice        []wire.ICEServer
	icePolicy  webrtc.ICETransportPolicy // service and machine policy combined
	conn       *client.Session           // nil until connected
	view       *viewer.Viewer            // nil until the sharer's offer or consent
	viewState  rtc.State
	resumeFrom string // the state to return to after reconnecting
	features   map[string]bool
	expiry     *rtc.Timer     // the code expired without the service saying so
	resume     *rtc.Timer     // the reconnect deadline passed
	watch      *rtc.PathWatch // the viewer's media path; nil without a viewer
	ended      bool
	// sharerRestarting: the sharer's computer is restarting
	// (controller_actions.go).
	sharerRestarting bool
	stateMu          sync.Mutex // guards latest and viewGen
	latest           rtc.State
	viewGen          int // which viewer's states count (replaceViewer)
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
	if cfg.Browser == nil {
		cfg.Browser = SystemBrowser{}
	}
	c := &Controller{
		cfg:   cfg,
		log:   cfg.Logger.With("component", "controller"),
		q:     rtc.NewLoop(inboxSize, rtc.ErrClosed),
		sendQ: make(chan sendItem, sendQSize),
		st:    wire.BridgeStatus{State: wire.UIStateSignedOut, Server: cfg.Server, Control: wire.ControlNone},
	}
	c.viewState = c.q.NewNotifier(c.onViewerState)
	c.stats = c.q.NewTimer(func() {
		c.sendStats()
		c.stats.Reset(c.cfg.StatsInterval)
	})
	c.stats.Reset(cfg.StatsInterval) // the loop goroutine is not running yet
	if cfg.Policy != nil {
		if err := cfg.Policy.Check(); err != nil {
			c.st.State, c.st.Reason, c.st.Detail = wire.UIStateDisabled, wire.ReasonMachinePolicy, err.Error()
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Go(c.q.Run)
	c.wg.Go(c.sender)
	return c, nil
}

// Close ends any session locally, stops the goroutines and waits for them.
func (c *Controller) Close() error {
	c.closeOnce.Do(func() {
		_ = c.q.Do(context.Background(), func() error { c.teardown(); return nil })
		c.q.Close()
		c.cancel()
		c.wg.Wait()
		c.stats.Stop() // the loop goroutine has ended: this one owns the timer
	})
	return nil
}

// post hands fn to the loop; it is dropped once the controller is closed.
func (c *Controller) post(fn func()) { c.q.Post(fn) }

// async runs slow work (REST calls) off the loop and posts its result back.
func (c *Controller) async(work func(ctx context.Context) func()) {
	c.wg.Go(func() {
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
		defer cancel()
		if then := work(ctx); then != nil {
			c.post(then)
		}
	})
}

// sender writes signalling messages so the loop never waits on the network.
func (c *Controller) sender() {
	rtc.Consume(c.ctx.Done(), c.sendQ, func(it sendItem) {
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
	})
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
	if c.st.Control != wire.ControlGranted {
		c.st.Actions = nil // the buttons exist only while in control
	}
	st := c.st
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeState, Status: &st})
}

func (c *Controller) notice(reason wire.Reason) {
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeNotice, Reason: reason})
}

func (c *Controller) fail(reason wire.Reason, message string) {
	c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeError, Reason: reason, Message: message})
}

// PageConnected sends the page everything it needs to draw the current screen.
func (c *Controller) PageConnected() {
	c.post(func() {
		c.emitState()
		c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeChatHistory, History: c.chat.Lines()})
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
		c.fail(wire.ReasonMachinePolicy, c.st.Detail)
		return
	}
	switch r.Type {
	case wire.BridgeLogin:
		c.login(r)
	case wire.BridgeSignInLookup:
		c.lookupSignIn(r)
	case wire.BridgeLoginOIDC:
		c.loginOIDC(r)
	case wire.BridgeLogout:
		c.logout()
	case wire.BridgeCreateSession:
		c.createSession()
	case wire.BridgeCancel:
		if c.st.State == wire.UIStateSigningIn {
			c.cancelOIDC()
			return
		}
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
	case wire.BridgeMaxFPS:
		if c.sess != nil && c.sess.view != nil {
			c.sess.view.SetMaxFPS(r.FPS)
		}
	case wire.BridgeQuickAction:
		c.quickAction(r.Action)
	}
}

func (c *Controller) goHome() {
	if c.bearer == "" {
		c.setState(wire.UIStateSignedOut)
		return
	}
	c.st.Control, c.st.Paused, c.st.SharerPresent, c.st.SAS = wire.ControlNone, false, false, ""
	c.st.PauseReason = ""
	c.chat.Reset()
	c.setState(wire.UIStateHome)
}

func (c *Controller) notAllowed() {
	c.fail(wire.ReasonNotAllowed, "That is not possible right now.")
}
