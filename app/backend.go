package app

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/quickhelp/quickhelp/app/bridge"
	"github.com/quickhelp/quickhelp/app/console"
	"github.com/quickhelp/quickhelp/app/gethelp"
)

// BackendConfig configures a Backend: the bridge and the controller on one
// loopback listener.
type BackendConfig struct {
	// Listen is a loopback address ("127.0.0.1:0" picks a free port).
	Listen string
	// Server is the default service URL. Optional.
	Server string
	// Assets is the built frontend. Required.
	Assets fs.FS
	// AllowedOrigins are extra page origins (the desktop webview's).
	AllowedOrigins []string
	// Sharer configures the "Get help" side; its Sink, Server (when empty)
	// and Logger (when nil) come from this config.
	Sharer gethelp.SharerConfig
	// Policy is this machine's QuickHelp policy; nil allows everything.
	Policy console.MachinePolicy
	// Logger; nil discards.
	Logger *slog.Logger
}

// Backend is a running bridge and controller.
type Backend struct {
	Bridge     *bridge.Bridge
	Controller *console.Controller
	Sharer     *gethelp.SharerService
	cancel     context.CancelFunc
	done       chan error
}

// StartBackend listens, wires the controller to the bridge and serves in
// the background until Close.
func StartBackend(cfg BackendConfig) (*Backend, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("%w: listen address: %v", ErrInvalidConfig, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%w: the console listens on a loopback IP address only", ErrInvalidConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	br, err := bridge.New(bridge.Config{Assets: cfg.Assets, AllowedOrigins: cfg.AllowedOrigins, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	ctl, err := console.NewController(console.ControllerConfig{Sink: br, Server: cfg.Server, Dropped: br.Dropped, Policy: cfg.Policy, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	sc := cfg.Sharer
	sc.Sink = br
	if sc.Server == "" {
		sc.Server = cfg.Server
	}
	if sc.Logger == nil {
		sc.Logger = cfg.Logger
	}
	sh, err := gethelp.NewSharerService(sc)
	if err != nil {
		_ = ctl.Close()
		return nil, err
	}
	br.SetHandler(router{helper: ctl, sharer: sh})
	ln, err := br.Listen(cfg.Listen)
	if err != nil {
		_ = ctl.Close()
		_ = sh.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Backend{Bridge: br, Controller: ctl, Sharer: sh, cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- br.Serve(ctx, ln) }()
	return b, nil
}

// Close stops serving, ends any session locally and waits: the person's
// stop (the sharer daemon this app started ends its session too).
func (b *Backend) Close() error { return b.closeWith(false) }

// Leave is Close for the program stopped from outside (SIGTERM: an update,
// sign-out): the helper's session ends as with Close, but the sharer daemon
// this app started is stopped the same way and leaves its session for the
// next daemon to resume after the sharer allows again.
func (b *Backend) Leave() error { return b.closeWith(true) }

func (b *Backend) closeWith(leave bool) error {
	b.cancel()
	err := <-b.done
	_ = b.Controller.Close()
	if leave {
		_ = b.Sharer.Leave()
	} else {
		_ = b.Sharer.Close()
	}
	return err
}

// RunConsole is web mode: it prints the page's address with its token on
// out (one line) and serves until SIGINT/SIGTERM or ctx ends. SIGTERM (an
// update, sign-out) leaves the sharer's session resumable (Leave).
func RunConsole(ctx context.Context, cfg BackendConfig, out io.Writer) error {
	b, err := StartBackend(cfg)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "QuickHelp console: %s\n", b.Bridge.PageURL()); err != nil {
		_ = b.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	defer signal.Stop(term)
	select {
	case <-ctx.Done():
	case <-term:
		return b.Leave()
	case err := <-b.done:
		b.done <- err // Close reads it
	}
	return b.Close()
}

// Desktop is bound to the desktop window: the page calls BridgeURL to find
// the bridge, since the webview serves the page from its own origin.
type Desktop struct {
	url  string
	mode string
	grab KeyboardGrabber // optional; nil: no native keyboard grab
}

// NewDesktop returns the binding for a running backend.
func NewDesktop(b *Backend) *Desktop { return &Desktop{url: b.Bridge.SocketURL()} }

// NewPromptDesktop returns the binding of the small prompt window
// ("quickhelp prompt"): the page shows only the sharer's prompts and bar.
func NewPromptDesktop(b *Backend) *Desktop {
	return &Desktop{url: b.Bridge.SocketURL(), mode: ModePrompt}
}

// ModePrompt is what Mode returns in the prompt window.
const ModePrompt = "prompt"

// Mode is "" for the app window and ModePrompt for the prompt window.
func (d *Desktop) Mode() string { return d.mode }

// BridgeURL is the bridge's WebSocket address with the token.
func (d *Desktop) BridgeURL() string { return d.url }

// KeyboardGrabber holds every key of the keyboard for the desktop window
// while the helper's fullscreen view is open, so system shortcuts (Alt+Tab,
// the Windows key) reach the sharer: the window's own webview may have no
// Keyboard Lock API (WebKitGTK has none). Implemented at the OS boundary by
// the desktop build; absent elsewhere.
type KeyboardGrabber interface {
	// GrabKeyboard grabs (on) or lets go of (off) the keyboard for the
	// program's active window and reports whether it is held.
	GrabKeyboard(on bool) bool
}

// WithKeyboardGrab gives the desktop binding a native keyboard grab. It is
// a function, not a method, so the window does not bind it for the page.
func WithKeyboardGrab(d *Desktop, g KeyboardGrabber) *Desktop {
	d.grab = g
	return d
}

// GrabKeyboard is called by the page's fullscreen view: true holds the
// keyboard for the window, false lets it go. It reports whether the
// keyboard is held; false when this window has no native grab.
func (d *Desktop) GrabKeyboard(on bool) bool {
	if d.grab == nil {
		return false
	}
	return d.grab.GrabKeyboard(on)
}
