// Command quickhelp-server is the QuickHelp service: helper accounts, session
// codes, pairing, chat and signaling relay, embedded TURN, retention,
// organisation policy, abuse reports, admin API and metrics.
//
// With no arguments it serves HTTP on 127.0.0.1:7443 with a SQLite database in
// the user's data directory. See --help for subcommands and settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/quickhelp/quickhelp/internal/version"
)

const usage = `quickhelp-server — the QuickHelp remote-assistance service

Usage:
  quickhelp-server [serve] [flags]        serve the API (default)
  quickhelp-server user add --email E --first F --last L --org O [--role helper|admin] [--password-stdin]
  quickhelp-server user list
  quickhelp-server user disable --email E
  quickhelp-server user enable --email E
  quickhelp-server org disable --name O   turn QuickHelp off for an organisation
  quickhelp-server org enable --name O
  quickhelp-server org set --name O --relay-only[=false]   sessions relay through TURN only (or not)
  quickhelp-server org oidc set --org O --issuer URL --client-id ID --client-secret-file F [--allowed-domain D] [--tenant-claim C=V] [--local-sign-in[=false]]
                                          sign in with the organisation's OpenID Connect provider (see docs/signin.md)
  quickhelp-server org admin add --org O --email E   E becomes admin at their first sign-in with the provider
  quickhelp-server audit list --org O [--limit N]   the organisation's audit log of admin actions
  quickhelp-server demo                   create the demo organisation and helper (idempotent)
  quickhelp-server --version

Every subcommand accepts --data DIR (env QUICKHELP_DATA). Run
"quickhelp-server SUBCOMMAND --help" for its flags; every flag can also be set
with the environment variable shown in its description.
`

// env reads the process environment; tests pass their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// ready, when set, is told the HTTP address once serving (tests).
	ready func(addr string)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	if err := run(ctx, os.Args[1:], e); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "quickhelp-server:", err)
		os.Exit(2)
	}
}

// run dispatches a command line.
func run(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version") {
		fmt.Fprintf(e.stdout, "quickhelp-server %s (%s)\n", version.Version, runtime.Version())
		return nil
	}
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "-help" || args[0] == "help") {
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, e)
	case "demo":
		return demo(ctx, args, e)
	case "user":
		if len(args) == 0 {
			return fmt.Errorf("user: want add, list, disable or enable")
		}
		switch args[0] {
		case "add":
			return userAdd(ctx, args[1:], e)
		case "list":
			return userList(ctx, args[1:], e)
		case "disable":
			return userSetDisabled(ctx, args[1:], e, true)
		case "enable":
			return userSetDisabled(ctx, args[1:], e, false)
		}
		return fmt.Errorf("user: unknown subcommand %q", args[0])
	case "org":
		if len(args) > 0 && (args[0] == "disable" || args[0] == "enable") {
			return orgSetDisabled(ctx, args[1:], e, args[0] == "disable")
		}
		if len(args) > 0 && args[0] == "set" {
			return orgSet(ctx, args[1:], e)
		}
		if len(args) > 1 && args[0] == "oidc" && args[1] == "set" {
			return orgOIDCSet(ctx, args[2:], e)
		}
		if len(args) > 1 && args[0] == "admin" && args[1] == "add" {
			return orgAdminAdd(ctx, args[2:], e)
		}
		return fmt.Errorf("org: want disable, enable, set, oidc set or admin add")
	case "audit":
		if len(args) > 0 && args[0] == "list" {
			return auditList(ctx, args[1:], e)
		}
		return fmt.Errorf("audit: want list")
	}
	return fmt.Errorf("unknown subcommand %q (see --help)", cmd)
}

// newFlagSet returns a flag set with the --data flag every subcommand has.
func newFlagSet(name string, e env, data *string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(data, "data", e.getenv("QUICKHELP_DATA"), "data directory: database, secret, demo password (env QUICKHELP_DATA; default: the user's data directory + /quickhelp)")
	return fs
}

// dataDir resolves and creates the data directory (mode 0700).
func dataDir(flagValue string, e env) (string, error) {
	dir := flagValue
	if dir == "" {
		base := e.getenv("XDG_DATA_HOME")
		if base == "" && runtime.GOOS == "linux" {
			if home := e.getenv("HOME"); home != "" {
				base = filepath.Join(home, ".local", "share")
			}
		}
		if base == "" {
			var err error
			if base, err = os.UserConfigDir(); err != nil {
				return "", fmt.Errorf("no data directory: set --data or QUICKHELP_DATA: %w", err)
			}
		}
		dir = filepath.Join(base, "quickhelp")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	return dir, nil
}

func envBool(e env, name string) bool {
	switch strings.ToLower(e.getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func envOr(e env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}
