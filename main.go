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
	if len(args) > 0 && args[0] == "console" {
		return runConsole(args[1:], assets, stdout, stderr)
	}
	fl := flag.NewFlagSet("quickhelp", flag.ContinueOnError)
	fl.SetOutput(stderr)
	server := fl.String("server", os.Getenv("QUICKHELP_SERVER"), "default QuickHelp service URL")
	verbose := fl.Bool("v", false, "verbose logging")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: quickhelp [-server URL] [-v]\n       quickhelp console [-listen 127.0.0.1:0] [-server URL] [-v]")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	return runDesktop(app.BackendConfig{Server: *server, Assets: assets, Logger: newLogger(stderr, *verbose)})
}

func runConsole(args []string, assets fs.FS, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("quickhelp console", flag.ContinueOnError)
	fl.SetOutput(stderr)
	listen := fl.String("listen", "127.0.0.1:0", "loopback address to serve the console on")
	server := fl.String("server", os.Getenv("QUICKHELP_SERVER"), "default QuickHelp service URL")
	verbose := fl.Bool("v", false, "verbose logging")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fl.Arg(0))
	}
	cfg := app.BackendConfig{Listen: *listen, Server: *server, Assets: assets, Logger: newLogger(stderr, *verbose)}
	return app.RunConsole(context.Background(), cfg, stdout)
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
