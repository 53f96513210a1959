package gethelp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/wire"
)

// DaemonName is the sharer daemon's program name.
const DaemonName = "quickhelp-sharer"

// The person's stop of the daemon: the session's end takes up to a few
// seconds (the service confirms it), then the daemon exits.
const (
	quitTimeout  = 15 * time.Second
	quitExitWait = 5 * time.Second
)

// ExecDaemon starts "quickhelp-sharer daemon" as a child process.
type ExecDaemon struct {
	// Path is the program; "" means FindDaemon().
	Path string
	// Server is passed as --server when set.
	Server string
	// Args are added after the daemon's own flags (tests shorten timeouts).
	Args []string
	// Logger receives the daemon's stderr at Debug; nil discards.
	Logger *slog.Logger
}

// FindDaemon looks for quickhelp-sharer next to the running program first
// (installed side by side), then on PATH.
func FindDaemon() (string, error) {
	name := DaemonName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath(DaemonName)
	if err != nil {
		return "", fmt.Errorf("%s not found next to this program or on PATH: %w", DaemonName, err)
	}
	return p, nil
}

// Start implements DaemonStarter. The returned stop(false) is the person's
// own stop (the app quitting): it asks the daemon to end the session and
// exit (wire.LocalQuit), waits for it, and only then interrupts it.
// stop(true) sends SIGTERM: the daemon leaves its session for the next
// one. Either way the child is killed after 5 s more (Windows has no
// signals for other processes: it is killed at once, which keeps its
// ticket like a crash) and reaped. The child is not stopped by ctx, so a
// session survives the page's requests ending.
func (e ExecDaemon) Start(_ context.Context, socket string) (func(leave bool), error) {
	path := e.Path
	if path == "" {
		p, err := FindDaemon()
		if err != nil {
			return nil, err
		}
		path = p
	}
	args := []string{"daemon", "--socket", socket}
	if e.Server != "" {
		args = append(args, "--server", e.Server)
	}
	args = append(args, e.Args...)
	cmd := exec.Command(path, args...)
	cmd.Stdin = nil
	cmd.Stdout = nil
	if e.Logger != nil {
		cmd.Stderr = slog.NewLogLogger(e.Logger.With("component", "sharer-daemon").Handler(), slog.LevelDebug).Writer()
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", DaemonName, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func(leave bool) {
		sig := os.Interrupt // the person's stop, where quit went unanswered
		if leave {
			sig = syscall.SIGTERM
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), quitTimeout)
			_, err := localapi.Client{Path: socket}.Call(ctx, wire.LocalRequest{Cmd: wire.LocalQuit})
			cancel()
			if err == nil {
				select {
				case <-exited:
					return
				case <-time.After(quitExitWait):
				}
			}
		}
		if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			_ = cmd.Process.Kill()
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	return stop, nil
}
