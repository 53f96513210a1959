// Command quickhelp-sharer is the sharer's daemon: it joins a session with
// the code the helper read out, asks the local user before sharing the
// screen and again before giving control, and is driven by the commands
// below through a per-user local socket.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/quickhelp/quickhelp/daemon/hotkey"
	"github.com/quickhelp/quickhelp/daemon/shareable"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/daemon/tray"
	"github.com/quickhelp/quickhelp/internal/i18n"
	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/internal/policy"
	"github.com/quickhelp/quickhelp/internal/version"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

func main() {
	attachConsole()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type options struct {
	// serverSet is true when the service was named by flag or environment;
	// a join forwarded to a running daemon then uses it, else the daemon's own.
	serverSet                                      bool
	server, consentMode, display, socket, logLevel string
	monitor, maxFPS                                int
	consentTimeout                                 time.Duration
}

func parse(args []string, stderr io.Writer) (cmd string, rest []string, o options, err error) {
	fs := flag.NewFlagSet("quickhelp-sharer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.server, "server", envOr("QUICKHELP_SERVER", sharer.DefaultServerURL), "")
	fs.StringVar(&o.consentMode, "consent", "local", "")
	fs.StringVar(&o.display, "display", os.Getenv("DISPLAY"), "")
	fs.StringVar(&o.socket, "socket", localapi.DefaultPath(), "")
	fs.StringVar(&o.logLevel, "log-level", "info", "")
	fs.IntVar(&o.monitor, "monitor", 0, "")
	fs.IntVar(&o.maxFPS, "max-fps", 0, "") // 0: capture.DefaultMaxFPS
	fs.DurationVar(&o.consentTimeout, "consent-timeout", sharer.DefaultConsentTimeout, "")
	showVersion := fs.Bool("version", false, "")
	// Flags may come before or after the command and its arguments.
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return "", nil, o, err
		}
		args = fs.Args()
		if len(args) > 0 {
			positional = append(positional, args[0])
			args = args[1:]
		}
	}
	o.serverSet = os.Getenv("QUICKHELP_SERVER") != ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "server" {
			o.serverSet = true
		}
	})
	if *showVersion {
		return "version", nil, o, nil
	}
	if len(positional) == 0 {
		return "", nil, o, errors.New(lang.T(i18n.SharerNoCommand))
	}
	if o.consentTimeout < time.Second || o.consentTimeout > sharer.DefaultConsentTimeout {
		return "", nil, o, errors.New(lang.T(i18n.SharerBadTimeout, sharer.DefaultConsentTimeout))
	}
	if o.consentMode != "local" && o.consentMode != "terminal" {
		return "", nil, o, errors.New(lang.T(i18n.SharerBadConsent, o.consentMode))
	}
	if _, err := client.New(o.server); errors.Is(err, client.ErrInsecureURL) {
		return "", nil, o, errors.New(lang.T(i18n.SharerInsecureServer, o.server))
	}
	return positional[0], positional[1:], o, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, rest, o, err := parse(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "quickhelp-sharer: %v\n\n", err)
		fmt.Fprintf(stderr, lang.T(i18n.SharerUsage), sharer.DefaultServerURL)
		return 2
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "quickhelp-sharer", version.Version)
		return 0
	case "help":
		fmt.Fprintf(stdout, lang.T(i18n.SharerUsage), sharer.DefaultServerURL)
		return 0
	case "join":
		if len(rest) != 1 {
			fmt.Fprintln(stderr, "quickhelp-sharer:", lang.T(i18n.SharerJoinNeedsCode))
			return 2
		}
		// A daemon already running (started by the app or at login) takes
		// the join; otherwise this process becomes the daemon.
		if code := forwardJoin(o, rest[0], stdout, stderr); code >= 0 {
			return code
		}
		return serve(o, rest[0], stdin, stdout, stderr)
	case "daemon":
		return serve(o, "", stdin, stdout, stderr)
	case "events":
		return events(o, stdout, stderr)
	}
	req := wire.LocalRequest{Cmd: cmd}
	switch cmd {
	case wire.LocalAllow, wire.LocalDeny, wire.LocalAllowControl, wire.LocalDenyControl,
		wire.LocalRevokeControl, wire.LocalPause, wire.LocalResume, wire.LocalStop, wire.LocalStatus,
		wire.LocalKeepSharing, wire.LocalAllowRestart, wire.LocalDenyRestart:
	case wire.LocalChat:
		req.Text = strings.Join(rest, " ")
	case wire.LocalReport:
		req.Comment = strings.Join(rest, " ")
	default:
		fmt.Fprintf(stderr, "quickhelp-sharer: %s\n\n", lang.T(i18n.SharerUnknownCommand, cmd))
		fmt.Fprintf(stderr, lang.T(i18n.SharerUsage), sharer.DefaultServerURL)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := localapi.Client{Path: o.socket}.Call(ctx, req)
	if err != nil {
		if errors.Is(err, localapi.ErrNotRunning) {
			fmt.Fprintln(stderr, "quickhelp-sharer:", lang.T(i18n.SharerNotRunning))
		} else if errors.Is(err, localapi.ErrNotOwner) {
			fmt.Fprintln(stderr, "quickhelp-sharer:", lang.T(i18n.SharerNotOwner))
		} else {
			fmt.Fprintf(stderr, "quickhelp-sharer: %v\n", err)
		}
		return 1
	}
	if !resp.OK {
		fmt.Fprintf(stderr, "quickhelp-sharer: %s\n", refusalText(resp))
		return 1
	}
	if resp.Status != nil {
		fmt.Fprintln(stdout, describe(*resp.Status))
	}
	return 0
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// serve runs the daemon until the session ends (join) or a signal (daemon).
func serve(o options, code string, stdin io.Reader, stdout, stderr io.Writer) int {
	logger := newLogger(o.logLevel, stderr)
	// Before any window exists (tray, stop shortcut, overlay).
	if mode, err := setDPIAwareness(); err != nil {
		logger.Warn("coordinates may be off on scaled screens", "err", err)
	} else if mode != "" {
		logger.Info("dpi awareness", "mode", mode)
	}
	// The machine policy is read again at every join, so IT can change it
	// without restarting the daemon; a broken policy file fails closed.
	loadPolicy := func() policy.Policy {
		p, err := policy.Load(policy.Config{})
		if err != nil {
			logger.Error("machine policy unreadable; QuickHelp is disabled", "err", err)
		}
		return p
	}
	if err := loadPolicy().Check(); err != nil {
		fmt.Fprintf(stderr, "quickhelp-sharer: %v\n", err)
		return 1
	}
	d, err := sharer.New(sharer.Config{
		AllowServer: func(u string) error { return loadPolicy().CheckServer(u) },
		AllowHelper: func(h wire.HelperInfo) error { return loadPolicy().CheckHelper(h) },
		ForceRelay:  func() bool { return loadPolicy().ForceRelay },
		ServerURL:   o.server, Display: o.display, Monitor: o.monitor, MaxFPS: o.maxFPS, Logger: logger,
		ConsentTimeout: o.consentTimeout,
		StateDir:       sharer.DefaultStateDir(), ResumeKey: o.socket,
		Actions: quickActions(o.display, logger),
		// After a restart the sign-in starts this daemon on the same socket
		// (the ticket's key) and service; the display is the new session's.
		ResumeArgs: []string{"daemon", "--socket", o.socket, "--server", o.server},
	})
	if err != nil {
		fmt.Fprintf(stderr, "quickhelp-sharer: %v\n", err)
		return 2
	}
	defer d.Close()
	api, err := localapi.Serve(o.socket, d, logger)
	if errors.Is(err, localapi.ErrNotOwner) {
		fmt.Fprintln(stderr, "quickhelp-sharer:", lang.T(i18n.SharerNotOwner))
		return 1
	} else if err != nil {
		fmt.Fprintf(stderr, "quickhelp-sharer: %v\n", err)
		return 1
	}
	defer api.Close()

	// Ctrl+C (SIGINT) is the person's own stop: the session ends. SIGTERM
	// comes from outside (an update, the service manager, the system
	// shutting down; on Windows closing the console, sign-out or
	// shutdown): the session is left for the next daemon to resume after
	// the sharer allows again. The app stops its daemon with
	// wire.LocalQuit, which ends the session.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	defer signal.Stop(term)
	events, unsubscribe := d.Subscribe()
	defer unsubscribe()

	// The tray icon offers Stop / Revoke / Pause while a session runs; where
	// no tray host exists it logs that once and does nothing.
	async := func(cmd string) func() {
		return func() { go d.Do(ctx, wire.LocalRequest{Cmd: cmd}) }
	}
	tr, err := tray.Start(ctx, tray.Config{Logger: logger, Lang: lang, Actions: tray.Actions{
		Stop: async(wire.LocalStop), RevokeControl: async(wire.LocalRevokeControl),
		Pause: async(wire.LocalPause), Resume: async(wire.LocalResume),
		KeepSharing: async(wire.LocalKeepSharing),
	}})
	if err == nil {
		defer tr.Close()
	}
	// Ctrl+Alt+Shift+S stops sharing from any window; without it (no
	// display, taken by another program) the tray and CLI still stop.
	hk, err := hotkey.Register(hotkey.Config{Display: o.display, Logger: logger, OnPress: func() {
		go d.Do(ctx, wire.LocalRequest{Cmd: wire.LocalStop})
	}})
	if err == nil {
		defer hk.Close()
	} else {
		logger.Info("stop shortcut unavailable", "shortcut", hotkey.Shortcut, "err", err)
	}

	var answers *answerReader
	if o.consentMode == "terminal" {
		answers = newAnswerReader(stdin)
	}
	if code == "" {
		// A session the previous daemon left (crash, kill, restart) goes
		// on once the sharer allows again.
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if _, err := d.Resume(rctx); err != nil {
			fmt.Fprintf(stderr, "quickhelp-sharer: %s\n", lang.T(i18n.SharerResumeFailed, err))
		}
		cancel()
	} else {
		d.DropResumeTicket()
	}
	if code != "" {
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := d.Join(jctx, code, o.server)
		cancel()
		if err != nil {
			// The reason in the sharer's language, with its detail where
			// it says more (refusalText).
			fmt.Fprintf(stderr, "quickhelp-sharer: %s\n", refusalText(sharer.Refusal(err)))
			return 1
		}
	} else {
		fmt.Fprintln(stdout, lang.T(i18n.SharerReady))
		// Said at once, not only at the first join (which is refused).
		if r := shareable.Check(os.Getenv, o.display); r != "" {
			fmt.Fprintf(stderr, "quickhelp-sharer: %s\n", lang.SharerReason(r))
		}
	}
	p := prompter{d: d, out: stdout, answers: answers, terminal: o.consentMode == "terminal", timeout: o.consentTimeout}
	if o.consentMode == "local" {
		p.window = newPromptWindow(o.display, o.socket, api.Subscribers, logger)
	}
	for {
		select {
		case <-ctx.Done():
			d.Close()
			return 0
		case <-d.Quit():
			d.Close()
			return 0
		case <-term:
			d.Leave()
			return 0
		case ev, ok := <-events:
			if !ok {
				return 0
			}
			if tr != nil && ev.Status != nil {
				tr.Update(*ev.Status)
			}
			if ended := p.handle(ctx, ev); ended && code != "" {
				return 0
			}
		}
	}
}

func events(o options, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ch, err := localapi.Client{Path: o.socket}.Events(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "quickhelp-sharer: %v\n", err)
		return 1
	}
	for ev := range ch {
		printJSON(stdout, ev)
	}
	return 0
}

// forwardJoin hands the join to a running daemon. It returns -1 when no
// daemon is running, else the exit code.
func forwardJoin(o options, code string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := localapi.Client{Path: o.socket}
	if _, err := cl.Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus}); err != nil {
		return -1
	}
	req := wire.LocalRequest{Cmd: wire.LocalJoin, Code: code}
	if o.serverSet {
		req.Server = o.server
	}
	resp, err := cl.Call(ctx, req)
	if err != nil {
		fmt.Fprintf(stderr, "quickhelp-sharer: %v\n", err)
		return 1
	}
	if !resp.OK {
		fmt.Fprintf(stderr, "quickhelp-sharer: %s\n", refusalText(resp))
		return 1
	}
	if st := resp.Status; st != nil {
		fmt.Fprintf(stdout, "%s\n%s\n", lang.T(i18n.SharerWantsScreen, helperName(st)), lang.T(i18n.SharerScamWarning))
		fmt.Fprintln(stdout, lang.T(i18n.SharerHowScreen))
	}
	return 0
}
