package gethelp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/quickhelp/quickhelp/app/bridge"
	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// SharerConfig configures a SharerService, the app's "Get help" side.
type SharerConfig struct {
	// Sink receives the sharer side's events. Required.
	Sink bridge.Sink
	// Socket is the sharer daemon's local API endpoint; "" means
	// localapi.DefaultPath() (which honours QUICKHELP_SHARER_SOCKET).
	Socket string
	// Server is the service URL sent with each join; "" lets the daemon use
	// its own default.
	Server string
	// Daemon starts the sharer daemon when none answers on Socket. Nil
	// means ExecDaemon with the quickhelp-sharer found next to this program
	// or on PATH.
	Daemon DaemonStarter
	// StartTimeout bounds how long a started daemon may take to answer (10 s).
	StartTimeout time.Duration
	// RequestTimeout bounds one local API call; a join includes the
	// service's answer (20 s).
	RequestTimeout time.Duration
	// RetryInterval is how often a lost event stream is re-opened (2 s).
	RetryInterval time.Duration
	// OnState, if set, sees every state sent to the page (the prompt
	// window closes itself when nothing is left to show). It must not block.
	OnState func(wire.BridgeSharer)
	// Logger; nil discards.
	Logger *slog.Logger
}

// DaemonStarter starts a sharer daemon serving socket. The returned stop
// ends it and waits for it; it is called when the service closes. With
// leave false it is the person's stop (the session ends); with leave true
// the daemon is stopped as from outside (an update, sign-out: SIGTERM),
// leaving its session for the next daemon to resume.
type DaemonStarter interface {
	Start(ctx context.Context, socket string) (stop func(leave bool), err error)
}

// SharerService relays the page's "Get help" requests to the sharer daemon
// through its local API (the page never reaches the daemon's socket) and the
// daemon's events back to the page as BridgeSharer states. The daemon
// asks "Keep sharing?" (its status carries KeepSharingUntil); the page
// shows the question and answers it through the daemon like any command.
//
// Goroutines: the loop (an rtc.Loop) owns the state; the caller runs
// daemon calls in order off the loop; the watcher holds the daemon's event
// stream. Close stops all three and waits.
type SharerService struct {
	cfg    SharerConfig
	log    *slog.Logger
	client localapi.Client

	q      *rtc.Loop       // work for the loop goroutine; posters wait
	calls  chan sharerCall // daemon calls in page order; full means refused
	kick   chan struct{}   // capacity 1: re-open the event stream now
	ctx    context.Context // ends the caller, the watcher and their calls at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	stopMu sync.Mutex // guards stopDaemon
	// stopDaemon ends a daemon this service started; nil when it started none.
	stopDaemon func(leave bool)

	// Owned by the loop goroutine.
	st         wire.BridgeSharer
	joinedHere string // the session this service's own join started
	chat       bridge.ChatLog
	chatFor    string // the session chat belongs to
}

type sharerCall struct {
	req  wire.LocalRequest
	then func(wire.LocalResponse, error) // runs on the loop
}

// callQueueSize bounds the page's pending daemon calls: when it is full the
// request is refused with a "busy" error (a person cannot click faster than
// the daemon answers, so this only happens when the daemon hangs).
const callQueueSize = 16

// inboxSize bounds the work waiting for the loop; posters wait when it is full.
const inboxSize = 128

// NewSharerService validates cfg and starts the service's goroutines.
func NewSharerService(cfg SharerConfig) (*SharerService, error) {
	if cfg.Sink == nil {
		return nil, fmt.Errorf("%w: Sink is required", ErrInvalidConfig)
	}
	if cfg.Socket == "" {
		cfg.Socket = localapi.DefaultPath()
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 20 * time.Second
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Daemon == nil {
		cfg.Daemon = ExecDaemon{Server: cfg.Server, Logger: cfg.Logger}
	}
	s := &SharerService{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "sharer-ui"),
		client: localapi.Client{Path: cfg.Socket},
		q:      rtc.NewLoop(inboxSize, rtc.ErrClosed),
		calls:  make(chan sharerCall, callQueueSize),
		kick:   make(chan struct{}, 1),
		st:     wire.BridgeSharer{SharerStatus: wire.SharerStatus{State: wire.SharerIdle, Control: wire.ControlNone}},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Go(s.q.Run)
	s.wg.Go(s.caller)
	s.wg.Go(s.watch)
	return s, nil
}

// Close stops the goroutines and waits for them; a daemon this service
// started is stopped too (its session ends with it): the person's stop.
func (s *SharerService) Close() error { return s.closeWith(false) }

// Leave is Close for a program stopped from outside (SIGTERM: an update,
// sign-out): a daemon this service started is stopped the same way and
// leaves its session for the next daemon to resume.
func (s *SharerService) Leave() error { return s.closeWith(true) }

func (s *SharerService) closeWith(leave bool) error {
	s.once.Do(func() {
		s.q.Close()
		s.cancel()
		s.wg.Wait()
		s.stopMu.Lock()
		stop := s.stopDaemon
		s.stopDaemon = nil
		s.stopMu.Unlock()
		if stop != nil {
			stop(leave)
		}
	})
	return nil
}

// post hands fn to the loop; it is dropped once the service is closed.
func (s *SharerService) post(fn func()) { s.q.Post(fn) }

// PageConnected sends the page the current state.
func (s *SharerService) PageConnected() {
	s.kickWatcher()
	s.post(func() {
		s.emit()
		s.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeSharerChatHistory, History: s.chat.Lines()})
	})
}

// HandleRequest takes one of the page's sharer requests (IsSharerRequest).
func (s *SharerService) HandleRequest(r wire.BridgeRequest) {
	s.post(func() { s.handle(r) })
}

// IsSharerRequest reports whether a page request belongs to the sharer side.
func IsSharerRequest(typ string) bool {
	return typ == wire.BridgeGetHelp || strings.HasPrefix(typ, "sharer-")
}

var sharerCommands = map[string]string{
	wire.BridgeSharerAllow:        wire.LocalAllow,
	wire.BridgeSharerDeny:         wire.LocalDeny,
	wire.BridgeSharerAllowControl: wire.LocalAllowControl,
	wire.BridgeSharerDenyControl:  wire.LocalDenyControl,
	wire.BridgeSharerRevoke:       wire.LocalRevokeControl,
	wire.BridgeSharerPause:        wire.LocalPause,
	wire.BridgeSharerResume:       wire.LocalResume,
	wire.BridgeSharerStop:         wire.LocalStop,
	wire.BridgeSharerKeepSharing:  wire.LocalKeepSharing,
	wire.BridgeSharerAllowRestart: wire.LocalAllowRestart,
	wire.BridgeSharerDenyRestart:  wire.LocalDenyRestart,
}

func (s *SharerService) handle(r wire.BridgeRequest) {
	switch r.Type {
	case wire.BridgeGetHelp:
		s.call(wire.LocalRequest{Cmd: wire.LocalJoin, Code: r.Code, Server: s.cfg.Server}, s.joined)
	case wire.BridgeSharerChat:
		text := r.Text
		s.call(wire.LocalRequest{Cmd: wire.LocalChat, Text: text}, func(resp wire.LocalResponse, err error) {
			if s.answered(resp, err) {
				s.chatLine(wire.BridgeChatLine{From: wire.RoleSharer, Text: text, TS: time.Now().UnixMilli()})
			}
		})
	case wire.BridgeSharerReport:
		s.call(wire.LocalRequest{Cmd: wire.LocalReport, Comment: r.Comment}, func(resp wire.LocalResponse, err error) {
			s.answered(resp, err)
		})
	default:
		cmd, ok := sharerCommands[r.Type]
		if !ok {
			return
		}
		s.call(wire.LocalRequest{Cmd: cmd}, func(resp wire.LocalResponse, err error) { s.answered(resp, err) })
	}
}

// call queues a daemon call; then runs on the loop with its answer.
func (s *SharerService) call(req wire.LocalRequest, then func(wire.LocalResponse, error)) {
	select {
	case s.calls <- sharerCall{req: req, then: then}:
	default:
		s.fail(wire.ReasonFailed, "QuickHelp is busy. Try again in a moment.")
	}
}

func (s *SharerService) joined(resp wire.LocalResponse, err error) {
	if !s.answered(resp, err) {
		return
	}
	if resp.Status != nil && resp.Status.SessionID != "" && resp.Status.SessionID != s.joinedHere {
		s.joinedHere = resp.Status.SessionID
		// The page learns it with the session's state: now if that is
		// already shown, else with the event that brings it (emitting now
		// would repeat an older session's state).
		if s.st.SessionID == s.joinedHere {
			s.emit()
		}
	}
	s.kickWatcher()
}

// answered applies a daemon answer and reports whether it was a success;
// failures go to the page in plain words.
func (s *SharerService) answered(resp wire.LocalResponse, err error) bool {
	if err != nil {
		s.log.Info("sharer daemon call failed", "err", err)
		if errors.Is(err, localapi.ErrNotOwner) {
			// Another user's program took the daemon's pipe name first:
			// nothing was sent to it, and starting a daemon cannot help.
			s.log.Warn("the sharer daemon's local connection belongs to another user")
			s.fail(wire.ReasonSharerNotYours, wire.ReasonSharerNotYours.Text())
		} else if errors.Is(err, ErrNoDaemon) || errors.Is(err, localapi.ErrNotRunning) {
			s.fail(wire.ReasonSharerUnavailable, "QuickHelp could not start its sharing program. Try again, or restart QuickHelp.")
		} else {
			s.fail(wire.ReasonFailed, "QuickHelp's sharing program did not answer in time. Try again.")
		}
		return false
	}
	if !resp.OK {
		// The daemon's reason goes to the page as it is; its English
		// detail is shown only with the policy's refusal (it names what
		// the policy allows) and for a reason the page does not know.
		s.fail(resp.Reason, resp.Error)
		return false
	}
	// While the event stream is up it is the only source of states: an
	// answer travels on another connection and may be older than the
	// events already applied.
	if resp.Status != nil && !s.st.Available {
		s.applyStatus(*resp.Status)
	}
	return true
}

func (s *SharerService) fail(reason wire.Reason, message string) {
	s.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeError, Reason: reason, Message: message})
}

func (s *SharerService) onEvent(ev wire.LocalEvent) {
	switch ev.Type {
	case wire.EventStatus, wire.EventConsentNeeded, wire.EventControlRequest:
		if ev.Status != nil {
			s.applyStatus(*ev.Status)
		}
	case wire.EventChat:
		from := ev.From
		if from != wire.RoleSharer {
			from = wire.RoleHelper
		}
		ts := ev.TS
		if ts == 0 {
			ts = time.Now().UnixMilli()
		}
		s.chatLine(wire.BridgeChatLine{From: from, Text: ev.Text, TS: ts})
	}
}

// chatLine keeps a line of the session's chat (a reloaded page gets it
// back) and shows it to the page.
func (s *SharerService) chatLine(line wire.BridgeChatLine) {
	s.chat.Add(line)
	s.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeSharerChatMsg, Chat: &line})
}

func sharing(state string) bool { return state == wire.SharerSharing || state == wire.SharerPaused }

// applyStatus takes the daemon's status and tells the page.
func (s *SharerService) applyStatus(st wire.SharerStatus) {
	if st.SessionID != s.chatFor {
		// Another session (or none): its chat starts empty.
		s.chat.Reset()
		s.chatFor = st.SessionID
	}
	s.st.SharerStatus = st
	s.st.Available = true
	s.st.Prompt = s.prompt()
	s.st.PromptUntil = 0
	switch s.st.Prompt {
	case wire.PromptKeepSharing:
		s.st.PromptUntil = st.KeepSharingUntil
	case wire.PromptRestart:
		s.st.PromptUntil = st.RestartUntil
	}
	s.emit()
}

// prompt is the question the page must show now; a control request comes
// before "Keep sharing?" (it has the daemon's shorter timeout).
func (s *SharerService) prompt() string {
	switch {
	case s.st.State == wire.SharerAwaitingConsent:
		return wire.PromptScreen
	case sharing(s.st.State) && s.st.Control == wire.ControlRequested:
		return wire.PromptControl
	case sharing(s.st.State) && s.st.RestartUntil > 0:
		return wire.PromptRestart
	case sharing(s.st.State) && s.st.KeepSharingUntil > 0:
		return wire.PromptKeepSharing
	}
	return ""
}

func (s *SharerService) emit() {
	st := s.st
	st.JoinedHere = st.SessionID != "" && st.SessionID == s.joinedHere
	if st.Helper != nil {
		h := *st.Helper
		st.Helper = &h
	}
	s.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeSharerState, Sharer: &st})
	if s.cfg.OnState != nil {
		s.cfg.OnState(st)
	}
}
