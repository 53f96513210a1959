// Package sharer wires one sharing session of the daemon together: the
// service (join, session WebSocket), the local user's consent, capture,
// encoding, the WebRTC peer, input injection and the annotation overlay.
// Daemon implements localapi.Controller, so the CLI, the prompt UI and the
// sharing bar drive it through the per-user socket.
package sharer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/daemon/actions"
	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/desktop"
	"github.com/quickhelp/quickhelp/daemon/input"
	"github.com/quickhelp/quickhelp/daemon/overlay"
	"github.com/quickhelp/quickhelp/daemon/shareable"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// DefaultServerURL is the service of a local installation.
const DefaultServerURL = "http://127.0.0.1:7443"

// DefaultConsentTimeout is how long a prompt waits before counting as Deny.
const DefaultConsentTimeout = 60 * time.Second

// Config configures the daemon. The OS-boundary constructors are optional;
// nil means the real implementation for this platform.
type Config struct {
	ServerURL      string        // service used when a join names none
	Display        string        // X display; "" means $DISPLAY
	Monitor        int           // monitor shared first
	MaxFPS         int           // capture cap; 0 means capture.DefaultMaxFPS
	BitrateKbps    int           // initial video bitrate; 0 means 1000 (peer.DefaultInitialBitrateKbps)
	ConsentTimeout time.Duration // unanswered prompt counts as Deny; 0 means DefaultConsentTimeout
	Logger         *slog.Logger

	NewSource   func(capture.Config) (capture.Source, error)
	NewEncoder  NewEncoderFunc
	NewInjector func(display string) (input.Injector, error)
	// NewOverlay makes the annotation overlay of one session for the shared
	// monitor (screen pixels); nil means overlay.New (the on-screen overlay,
	// or a Nop where none can be shown).
	NewOverlay func(display string, monitor func() wire.Monitor, logger *slog.Logger) overlay.Overlay
	// InputDesktop reads which desktop receives input (Windows: a UAC
	// prompt's secure desktop is not the user's); nil means
	// desktop.Native(), which is nil where no such desktops exist.
	InputDesktop desktop.Probe
	// Connect tunes the session WebSocket (tests shorten the resume window).
	Connect client.ConnectOptions
	// PeerSettings adjusts the WebRTC setting engine (tests: loopback only).
	PeerSettings func(*webrtc.SettingEngine)
	// AllowServer, when set, vets the service URL of every join (machine
	// policy); a non-nil error is shown to the user as is.
	AllowServer func(serverURL string) error
	// AllowHelper, when set, vets the helper after the join (machine
	// policy: allowed helper organisations).
	AllowHelper func(h wire.HelperInfo) error
	// ForceRelay, when set, is asked at every join whether this machine's
	// policy forces relay-only connections.
	ForceRelay func() bool
	// Actions runs the quick actions (task manager, restart); nil means
	// actions.New for Display.
	Actions ActionRunner
	// StateDir holds the resume ticket (DefaultStateDir for the
	// program); "" means none: a session cannot outlive this daemon.
	StateDir string
	// ResumeKey names this daemon's ticket among the user's (the local
	// API socket's path), so daemons on other sockets leave it alone.
	ResumeKey string
	// Autostart starts the daemon at the next sign-in after a restart the
	// sharer allowed; nil means the platform's (an XDG autostart entry).
	Autostart Autostart
	// ResumeArgs are the arguments that start this daemon idle at the
	// next sign-in (it then takes the session up again); nil means
	// "daemon".
	ResumeArgs []string
	// Executable is the program the autostart entry runs; "" means this
	// process's own (os.Executable).
	Executable string
	// Shareable is asked at every join whether this desktop can be shared:
	// "" if so, else the reason (a Wayland session, macOS). Optional; nil
	// means shareable.Check of the daemon's environment and Display.
	Shareable func() wire.Reason
}

// ActionRunner runs the quick actions a helper may ask for while in
// control (daemon/actions.Runner).
type ActionRunner interface {
	// Available lists the actions offered now (wire.Action*).
	Available(ctx context.Context) []string
	// StartTaskManager starts the system's process monitor.
	StartTaskManager() error
	// Reboot asks the system to restart the computer.
	Reboot(ctx context.Context) error
}

// Daemon runs at most one session at a time.
type Daemon struct {
	cfg    Config
	logger *slog.Logger
	events *hub
	// keepEvery and keepGrace time "Keep sharing?" (keepsharing.go); fixed
	// at New from keepSharingTimes.
	keepEvery, keepGrace time.Duration
	// quit is closed once the person asked the daemon to stop
	// (wire.LocalQuit) and the session, if any, has ended.
	quit     chan struct{}
	quitOnce sync.Once

	// mu guards the fields below.
	mu     sync.Mutex
	sess   *session
	last   wire.SharerStatus // status of the last ended session
	report *reportTicket     // lets the sharer report the last session after it ended
	closed bool
}

// reportTicket is what the daemon keeps of an ended session so the sharer
// can still report it (the service allows one report within a day).
type reportTicket struct {
	api       *client.Client
	id, token string
	until     time.Time
}

// reportWindow mirrors the service's window for reports after a session.
const reportWindow = 24 * time.Hour

// New validates cfg and returns an idle daemon.
func New(cfg Config) (*Daemon, error) {
	if cfg.ServerURL == "" {
		cfg.ServerURL = DefaultServerURL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxFPS == 0 {
		cfg.MaxFPS = capture.DefaultMaxFPS
	}
	if cfg.BitrateKbps == 0 {
		cfg.BitrateKbps = 1000
	}
	fastSocket(&cfg.Connect)
	if cfg.ConsentTimeout == 0 {
		cfg.ConsentTimeout = DefaultConsentTimeout
	}
	if cfg.Monitor < 0 || cfg.Monitor >= wire.MaxMonitors {
		return nil, fmt.Errorf("sharer: monitor %d out of range", cfg.Monitor)
	}
	if cfg.NewSource == nil {
		cfg.NewSource = capture.New
	}
	if cfg.NewEncoder == nil {
		cfg.NewEncoder = newVP8Encoder
	}
	if cfg.NewInjector == nil {
		cfg.NewInjector = newNativeInjector
	}
	if cfg.NewOverlay == nil {
		cfg.NewOverlay = overlay.New
	}
	if cfg.Actions == nil {
		cfg.Actions = actions.New(actions.Config{Display: cfg.Display, Logger: cfg.Logger})
	}
	if cfg.Autostart == nil {
		cfg.Autostart = newAutostart()
	}
	if cfg.ResumeArgs == nil {
		cfg.ResumeArgs = []string{"daemon"}
	}
	if cfg.Shareable == nil {
		display := cfg.Display
		cfg.Shareable = func() wire.Reason { return shareable.Check(os.Getenv, display) }
	}
	if cfg.InputDesktop == nil {
		cfg.InputDesktop = desktop.Native()
	}
	every, grace := keepSharingTimes()
	return &Daemon{
		keepEvery: every, keepGrace: grace,
		cfg:    cfg,
		logger: cfg.Logger.With("component", "sharer"),
		events: newHub(),
		quit:   make(chan struct{}),
		last:   wire.SharerStatus{State: wire.SharerIdle, Control: wire.ControlNone},
	}, nil
}

// Subscribe implements localapi.Controller.
func (d *Daemon) Subscribe() (<-chan wire.LocalEvent, func()) { return d.events.subscribe() }

// Status returns the current status.
func (d *Daemon) Status() wire.SharerStatus {
	d.mu.Lock()
	s := d.sess
	last := d.last
	d.mu.Unlock()
	if s == nil {
		return last
	}
	return s.status()
}

// Join joins the session of code through serverURL ("" = the configured
// service) and returns once the session WebSocket is up and the local user
// is being asked for consent. Errors are plain language.
func (d *Daemon) Join(ctx context.Context, code, serverURL string) error {
	if serverURL == "" {
		serverURL = d.cfg.ServerURL
	}
	// A desktop that cannot be captured is refused before the code is used.
	if r := d.cfg.Shareable(); r != "" {
		return refuse(r, r.Text())
	}
	if d.cfg.AllowServer != nil {
		if err := d.cfg.AllowServer(serverURL); err != nil {
			return refuse(wire.ReasonMachinePolicy, err.Error())
		}
	}
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return refuse(wire.ReasonUnavailable, "the sharer daemon is shutting down")
	}
	if !d.reserve() {
		return refuse(wire.ReasonSessionBusy, "a session is already in progress; stop it first")
	}
	s, err := startSession(ctx, d, code, serverURL)
	d.settle(s)
	return err
}

// reserve takes the session slot so two joins (or a join and a resume)
// cannot race; settle fills or frees it.
func (d *Daemon) reserve() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.sess != nil {
		return false
	}
	d.sess = &session{}
	return true
}

// settle puts the started session (nil: none) in the slot reserve took.
func (d *Daemon) settle(s *session) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sess = s
}

// ended is called by a session when it is over.
func (d *Daemon) ended(s *session, st wire.SharerStatus) {
	d.mu.Lock()
	if d.sess == s {
		d.sess = nil
	}
	d.last = st
	d.report = nil
	if st.Reason != wire.ReasonReported {
		d.report = &reportTicket{api: s.api, id: s.id, token: s.token, until: time.Now().Add(reportWindow)}
	}
	d.mu.Unlock()
	d.events.publish(wire.LocalEvent{Type: wire.EventStatus, Status: &st})
}

// Do implements localapi.Controller.
func (d *Daemon) Do(ctx context.Context, req wire.LocalRequest) wire.LocalResponse {
	switch req.Cmd {
	case wire.LocalStatus:
		st := d.Status()
		return wire.LocalResponse{OK: true, Status: &st}
	case wire.LocalJoin:
		if err := d.Join(ctx, req.Code, req.Server); err != nil {
			return refusedResponse(err)
		}
		st := d.Status()
		return wire.LocalResponse{OK: true, Status: &st}
	case wire.LocalQuit:
		d.endSession(cmdShutdown)
		d.quitOnce.Do(func() { close(d.quit) })
		st := d.Status()
		return wire.LocalResponse{OK: true, Status: &st}
	case wire.LocalReport:
		d.mu.Lock()
		s, ticket := d.sess, d.report
		d.mu.Unlock()
		if s == nil {
			return d.reportEnded(ctx, ticket, req.Comment)
		}
		if err := s.command(ctx, req); err != nil {
			return refusedResponse(err)
		}
		st := d.Status()
		return wire.LocalResponse{OK: true, Status: &st}
	case wire.LocalAllow, wire.LocalDeny, wire.LocalAllowControl, wire.LocalDenyControl,
		wire.LocalRevokeControl, wire.LocalPause, wire.LocalResume, wire.LocalStop,
		wire.LocalChat, wire.LocalKeepSharing, wire.LocalAllowRestart, wire.LocalDenyRestart:
		d.mu.Lock()
		s := d.sess
		d.mu.Unlock()
		if s == nil || s.q == nil {
			return refusedResponse(refuse(wire.ReasonNoSession, "there is no session in progress"))
		}
		if err := s.command(ctx, req); err != nil {
			return refusedResponse(err)
		}
		st := d.Status()
		return wire.LocalResponse{OK: true, Status: &st}
	default:
		return refusedResponse(refuse(wire.ReasonBadRequest, fmt.Sprintf("unknown command %q", truncate(req.Cmd, 32))))
	}
}

// reportEnded reports the last session after it ended.
func (d *Daemon) reportEnded(ctx context.Context, t *reportTicket, comment string) wire.LocalResponse {
	if t == nil || time.Now().After(t.until) {
		return refusedResponse(refuse(wire.ReasonNoSession, "there is no recent session to report"))
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	if err := t.api.Report(ctx, t.token, t.id, comment); err != nil {
		return refusedResponse(refuse(wire.ReasonFailed, "the report could not be sent: "+client.UserMessage(err)))
	}
	d.mu.Lock()
	if d.report == t {
		d.report = nil
	}
	d.last.Reason = wire.ReasonReported
	st := d.last
	d.mu.Unlock()
	d.events.publish(wire.LocalEvent{Type: wire.EventStatus, Status: &st})
	return wire.LocalResponse{OK: true, Status: &st}
}

// Quit is closed once the person asked the daemon to stop (wire.LocalQuit)
// and the session, if any, has ended: the program exits.
func (d *Daemon) Quit() <-chan struct{} { return d.quit }

// Close ends the session, if any, and waits for it: the person's own stop
// (Ctrl+C, the app quitting).
func (d *Daemon) Close() error {
	d.endSession(cmdShutdown)
	d.events.close()
	return nil
}

// Leave stops the daemon without ending its session, for a stop from
// outside (SIGTERM: an update, the service manager, the system shutting
// down): the resume ticket is kept and the service holds the session for
// its resume window, so the next daemon takes it up after the sharer
// allows again; control is never carried over. A session whose ticket
// cannot be written ends instead.
func (d *Daemon) Leave() error {
	d.endSession(cmdLeave)
	d.events.close()
	return nil
}

// endSession refuses new sessions and stops the current one with cmd.
func (d *Daemon) endSession(cmd string) {
	d.mu.Lock()
	d.closed = true
	s := d.sess
	d.mu.Unlock()
	if s != nil && s.q != nil {
		s.stopWith(cmd)
	}
}

// refusal is a refused request: the reason UIs translate, and English
// detail for logs and the command line.
type refusal struct {
	reason wire.Reason
	detail string
}

func (r *refusal) Error() string { return r.detail }

func refuse(reason wire.Reason, detail string) error { return &refusal{reason, detail} }

// reasonOf is the reason of an error from Join or a command; an error that
// is not a refusal is ReasonFailed.
func reasonOf(err error) wire.Reason {
	var r *refusal
	if errors.As(err, &r) {
		return r.reason
	}
	return wire.ReasonFailed
}

// Refusal is the local API's answer for an error of Join: its reason and
// English detail, as a command-line client would get them.
func Refusal(err error) wire.LocalResponse { return refusedResponse(err) }

// refusedResponse answers a refused request with its reason. Error keeps
// the English detail for the command line and for UIs of the previous
// release, which show it.
func refusedResponse(err error) wire.LocalResponse {
	return wire.LocalResponse{Reason: reasonOf(err), Error: err.Error()}
}

// joinError turns a service error into words for the sharer.
func joinError(err error) error {
	switch {
	case errors.Is(err, client.ErrNotFound):
		return refuse(wire.ReasonWrongCode, "that code is not valid or has expired: ask your helper for a new one")
	case errors.Is(err, client.ErrRateLimited):
		return refuse(wire.ReasonRateLimited, "too many wrong codes: wait a few minutes and try again")
	case errors.Is(err, client.ErrOrgDisabled):
		return refuse(wire.ReasonOrgDisabled, "QuickHelp has been turned off by the helper's organisation")
	case errors.Is(err, client.ErrHelperSuspended):
		// Told to the sharer as their own words: this helper may not help.
		return refuse(wire.ReasonOrgDisabled, "the helper's account is suspended")
	case errors.Is(err, client.ErrSessionFull):
		return refuse(wire.ReasonSessionFull, "someone has already joined with this code")
	case errors.Is(err, client.ErrUnavailable):
		return refuse(wire.ReasonUnavailable, "the QuickHelp service is busy: try again shortly")
	case errors.Is(err, client.ErrUnreachable), errors.Is(err, context.DeadlineExceeded):
		return refuse(wire.ReasonNoConnection, "cannot reach the QuickHelp service: check your internet connection")
	}
	return refuse(wire.ReasonFailed, "joining failed: "+client.UserMessage(err))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// normaliseCode keeps the code's characters for the service to check; the
// service owns the alphabet rules.
func normaliseCode(code string) string { return strings.TrimSpace(code) }
