// Command quickhelp is the QuickHelp app: the helper console in a desktop
// window, or with "console" the same page served to a browser on loopback.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"

	"github.com/quickhelp/quickhelp/app"
	"github.com/quickhelp/quickhelp/app/gethelp"
	"github.com/quickhelp/quickhelp/internal/i18n"
	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/internal/policy"
	"github.com/quickhelp/quickhelp/internal/version"
)

//go:embed all:frontend/dist
var embedded embed.FS

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "quickhelp:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	assets, err := fs.Sub(embedded, "frontend/dist")
	if err != nil {
		return err
	}
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version") {
		fmt.Fprintln(stdout, "quickhelp", version.Version)
		return nil
	}
	if len(args) > 0 && args[0] == "console" {
		return runConsole(args[1:], assets, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "prompt" {
		return runPromptMode(args[1:], assets, stderr)
	}
	fl := flag.NewFlagSet("quickhelp", flag.ContinueOnError)
	fl.SetOutput(stderr)
	server := fl.String("server", os.Getenv("QUICKHELP_SERVER"), "default QuickHelp service URL")
	verbose := fl.Bool("v", false, "verbose logging")
	sharerSocket := sharerSocketFlag(fl)
	fl.Usage = func() {
		fmt.Fprintln(stderr, i18n.FromEnv(os.Getenv).T(i18n.AppUsage))
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	return runDesktop(app.BackendConfig{Server: *server, Assets: assets, Logger: newLogger(stderr, *verbose), Policy: machinePolicy{},
		Sharer: gethelp.SharerConfig{Socket: *sharerSocket}})
}

func runConsole(args []string, assets fs.FS, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("quickhelp console", flag.ContinueOnError)
	fl.SetOutput(stderr)
	listen := fl.String("listen", "127.0.0.1:0", "loopback address to serve the console on")
	server := fl.String("server", os.Getenv("QUICKHELP_SERVER"), "default QuickHelp service URL")
	verbose := fl.Bool("v", false, "verbose logging")
	sharerSocket := sharerSocketFlag(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return errors.New(i18n.FromEnv(os.Getenv).T(i18n.AppUnexpectedArg, fl.Arg(0)))
	}
	cfg := app.BackendConfig{Listen: *listen, Server: *server, Assets: assets, Logger: newLogger(stderr, *verbose), Policy: machinePolicy{},
		Sharer: gethelp.SharerConfig{Socket: *sharerSocket}}
	return app.RunConsole(context.Background(), cfg, stdout)
}

// sharerSocketFlag names the sharer daemon's local socket that "Get help"
// talks to (and starts the daemon on when nothing answers there).
func sharerSocketFlag(fl *flag.FlagSet) *string {
	return fl.String("sharer-socket", localapi.DefaultPath(), "the sharer daemon's local socket (QUICKHELP_SHARER_SOCKET)")
}

// runPromptMode is "quickhelp prompt": the sharer's consent prompts and
// sharing bar in a small always-on-top window at the corner of the screen.
func runPromptMode(args []string, assets fs.FS, stderr io.Writer) error {
	fl := flag.NewFlagSet("quickhelp prompt", flag.ContinueOnError)
	fl.SetOutput(stderr)
	server := fl.String("server", os.Getenv("QUICKHELP_SERVER"), "default QuickHelp service URL")
	verbose := fl.Bool("v", false, "verbose logging")
	sharerSocket := sharerSocketFlag(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return errors.New(i18n.FromEnv(os.Getenv).T(i18n.AppUnexpectedArg, fl.Arg(0)))
	}
	return runPrompt(app.BackendConfig{Server: *server, Assets: assets, Logger: newLogger(stderr, *verbose), Policy: machinePolicy{},
		Sharer: gethelp.SharerConfig{Socket: *sharerSocket}})
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// machinePolicy reads this machine's QuickHelp policy afresh at every check,
// so IT can change it without restarting the app; an unreadable policy
// fails closed (see internal/policy).
type machinePolicy struct{}

func (machinePolicy) Check() error {
	p, _ := policy.Load(policy.Config{})
	return p.Check()
}

func (machinePolicy) CheckServer(serverURL string) error {
	p, _ := policy.Load(policy.Config{})
	return p.CheckServer(serverURL)
}

func (machinePolicy) ForceRelay() bool {
	p, _ := policy.Load(policy.Config{})
	return p.ForceRelay
}
