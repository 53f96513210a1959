// Package actions runs the quick actions a helper may ask for while they
// have control of the sharer's computer. The helper only names an action
// (wire.ActionTaskManager, wire.ActionRestart); what runs is this
// package's own: a fixed list of process monitors, and the operating
// system's restart behind the Rebooter interface.
package actions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// ErrUnavailable: the action cannot be run on this computer.
var ErrUnavailable = errors.New("actions: not available on this computer")

// ErrTooSoon: the same action ran a moment ago.
var ErrTooSoon = errors.New("actions: asked again too soon")

// MinInterval is the least time between two starts of the task manager,
// so a helper cannot fill the sharer's screen with windows.
const MinInterval = 2 * time.Second

// Command is one program the daemon may start: a name looked up on PATH
// (never a path from the wire) and fixed arguments. Needs names further
// programs that must be installed too (xterm's top).
type Command struct {
	Name  string
	Args  []string
	Needs []string
}

// Rebooter asks the operating system to restart the computer. It is the
// OS boundary: systemd-logind over D-Bus on Linux, ExitWindowsEx on
// Windows; tests use a fake.
type Rebooter interface {
	// CanReboot reports whether this user may restart the computer.
	CanReboot(ctx context.Context) bool
	// Reboot asks for the restart; it returns once the request was
	// accepted, before the computer goes down.
	Reboot(ctx context.Context) error
}

// Config configures a Runner. Everything is optional.
type Config struct {
	// Display is the X display the task manager opens on; "" means $DISPLAY.
	Display string
	// TaskManagers are the candidates, first installed wins; nil means
	// the platform's list (DefaultTaskManagers).
	TaskManagers []Command
	// Rebooter restarts the computer; nil means the platform's.
	Rebooter Rebooter
	// LookPath finds a program; nil means exec.LookPath.
	LookPath func(string) (string, error)
	Logger   *slog.Logger
}

// Runner runs the quick actions of one daemon.
type Runner struct {
	display  string
	cands    []Command
	reboot   Rebooter
	lookPath func(string) (string, error)
	logger   *slog.Logger

	// mu guards last.
	mu   sync.Mutex
	last time.Time // the task manager's last start
}

// New returns a Runner for cfg.
func New(cfg Config) *Runner {
	r := &Runner{display: cfg.Display, cands: cfg.TaskManagers, reboot: cfg.Rebooter, lookPath: cfg.LookPath, logger: cfg.Logger}
	if r.cands == nil {
		r.cands = DefaultTaskManagers
	}
	if r.reboot == nil {
		r.reboot = newSystemRebooter()
	}
	if r.lookPath == nil {
		r.lookPath = exec.LookPath
	}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	r.logger = r.logger.With("component", "actions")
	return r
}

// Available lists the actions this computer offers now, in the order the
// helper's toolbar shows them.
func (r *Runner) Available(ctx context.Context) []string {
	var out []string
	if _, _, ok := r.taskManager(); ok {
		out = append(out, wire.ActionTaskManager)
	}
	if r.reboot.CanReboot(ctx) {
		out = append(out, wire.ActionRestart)
	}
	return out
}

// taskManager is the first installed candidate and its path.
func (r *Runner) taskManager() (Command, string, bool) {
	for _, c := range r.cands {
		p, err := r.lookPath(c.Name)
		if err != nil {
			continue
		}
		ok := true
		for _, n := range c.Needs {
			if _, err := r.lookPath(n); err != nil {
				ok = false
				break
			}
		}
		if ok {
			return c, p, true
		}
	}
	return Command{}, "", false
}

// StartTaskManager starts the process monitor on the sharer's display and
// does not wait for it: it stays open after the session, like one the
// sharer started. At most one start per MinInterval.
func (r *Runner) StartTaskManager() error {
	c, path, ok := r.taskManager()
	if !ok {
		return ErrUnavailable
	}
	r.mu.Lock()
	if now := time.Now(); now.Sub(r.last) < MinInterval {
		r.mu.Unlock()
		return ErrTooSoon
	} else {
		r.last = now
	}
	r.mu.Unlock()
	cmd := exec.Command(path, c.Args...)
	cmd.Env = os.Environ()
	if r.display != "" {
		cmd.Env = append(cmd.Env, "DISPLAY="+r.display)
	}
	detach(cmd)
	if err := start(cmd); err != nil {
		return fmt.Errorf("actions: start %s: %w", c.Name, err)
	}
	r.logger.Info("task manager started", "program", c.Name)
	go func() { _ = cmd.Wait() }() // reaped whenever it exits
	return nil
}

// Reboot asks the operating system to restart the computer.
func (r *Runner) Reboot(ctx context.Context) error {
	if !r.reboot.CanReboot(ctx) {
		return ErrUnavailable
	}
	r.logger.Info("asking the system to restart")
	return r.reboot.Reboot(ctx)
}
