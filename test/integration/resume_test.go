package integration_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/gethelp"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// A sharer daemon that outlives itself: these tests run the test binary as
// a real daemon process (childDaemonEnv), kill it or let it "restart the
// computer", start it again and check that the session goes on after the
// sharer allows again, with video back and without control.

// Child daemon settings: the state directory of its resume ticket, and a
// file where its quick actions are recorded.
const (
	childStateEnv   = "QH_APP_TEST_SHARER_STATE"
	childActionsEnv = "QH_APP_TEST_SHARER_ACTIONS"
)

// childResumable makes the child daemon keep a resume ticket and, when
// asked, record its quick actions; it reports whether the daemon resumes.
func childResumable(cfg *sharer.Config, socket string, args []string) bool {
	dir := os.Getenv(childStateEnv)
	if dir == "" {
		return false
	}
	cfg.StateDir, cfg.ResumeKey, cfg.ResumeArgs = dir, socket, args
	if log := os.Getenv(childActionsEnv); log != "" {
		cfg.Actions = &recordedActions{path: log}
	}
	return true
}

// recordedActions stands in for the system (the OS boundary of the quick
// actions): it writes what it was asked to a file, and a restart stops the
// daemon the way a shutting-down system does, with SIGTERM.
type recordedActions struct {
	path string
	mu   sync.Mutex
}

func (r *recordedActions) record(what string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := os.OpenFile(r.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintln(f, what)
	return err
}

func (r *recordedActions) Available(context.Context) []string {
	return []string{wire.ActionTaskManager, wire.ActionRestart}
}
func (r *recordedActions) StartTaskManager() error { return r.record(wire.ActionTaskManager) }
func (r *recordedActions) Reboot(context.Context) error {
	if err := r.record("reboot"); err != nil {
		return err
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	return nil
}

// sharerProcess is one run of the child daemon.
type sharerProcess struct {
	cmd  *exec.Cmd
	done chan error
}

// startSharerProcess runs exe with args as the child daemon, with env
// added to the test's environment.
func startSharerProcess(t *testing.T, exe string, args, env []string) *sharerProcess {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), append([]string{childDaemonEnv + "=1"}, env...)...)
	cmd.Stderr = &prefixWriter{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &sharerProcess{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *sharerProcess) exited(within time.Duration) (error, bool) {
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		return err, true
	case <-time.After(within):
		return nil, false
	}
}

// prefixWriter passes the child's log to the test log.
type prefixWriter struct{ t *testing.T }

func (w *prefixWriter) Write(b []byte) (int, error) {
	w.t.Logf("sharer: %s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// localStatus polls the daemon on sock until cond holds for its status.
func localStatus(t *testing.T, ctx context.Context, sock, what string, cond func(wire.SharerStatus) bool) wire.SharerStatus {
	t.Helper()
	var last wire.SharerStatus
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := localapi.Client{Path: sock}.Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus})
		if err == nil && resp.Status != nil {
			last = *resp.Status
			if cond(last) {
				return last
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for the daemon: %s (last status %+v)", what, last)
	return last
}

func localDo(t *testing.T, ctx context.Context, sock string, req wire.LocalRequest) wire.SharerStatus {
	t.Helper()
	resp, err := localapi.Client{Path: sock}.Call(ctx, req)
	if err != nil || !resp.OK || resp.Status == nil {
		t.Fatalf("%s: %v %+v", req.Cmd, err, resp)
	}
	return *resp.Status
}

// resumeSetup is a helper console and a child daemon sharing with it, the
// helper in control.
type resumeSetup struct {
	env     *servertest.Env
	pg      *page
	exe     string
	args    []string
	sock    string
	state   string
	envVars []string
	first   *sharerProcess
	granted wire.BridgeStatus // the page's state once control was granted
}

func startResumeSetup(t *testing.T, ctx context.Context, extraEnv ...string) *resumeSetup {
	t.Helper()
	env := servertest.Start(t)
	br, base := startConsoleWith(t, env.URL, 30*time.Second)
	pg := openPage(t, ctx, br, base)
	pg.state(wire.UIStateSignedOut)
	code := pg.signInAndCreateCode(env)

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := shortTempDir(t)
	rs := &resumeSetup{
		env: env, pg: pg, exe: exe, sock: filepath.Join(dir, "sharer.sock"), state: filepath.Join(dir, "state"),
	}
	rs.args = []string{"daemon", "--socket", rs.sock, "--server", env.URL}
	rs.envVars = append([]string{childStateEnv + "=" + rs.state}, extraEnv...)
	rs.first = startSharerProcess(t, exe, rs.args, rs.envVars)
	localStatus(t, ctx, rs.sock, "the daemon answers", func(wire.SharerStatus) bool { return true })
	localDo(t, ctx, rs.sock, wire.LocalRequest{Cmd: wire.LocalJoin, Code: code})
	localDo(t, ctx, rs.sock, wire.LocalRequest{Cmd: wire.LocalAllow})
	pg.state(wire.UIStateLive)
	rs.expectFrames(t)

	pg.send(wire.BridgeRequest{Type: wire.BridgeRequestControl})
	localStatus(t, ctx, rs.sock, "the control request", func(st wire.SharerStatus) bool { return st.Control == wire.ControlRequested })
	localDo(t, ctx, rs.sock, wire.LocalRequest{Cmd: wire.LocalAllowControl})
	rs.granted = *pg.until("control granted", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.Control == wire.ControlGranted
	}).Status
	return rs
}

// expectFrames waits for video frames on the page from now on (the
// page's stats events, once a second while live, let it look).
func (rs *resumeSetup) expectFrames(t *testing.T) {
	t.Helper()
	rs.pg.frames = nil
	rs.pg.until("video frames", func(wire.BridgeEvent) bool { return len(rs.pg.frames) >= 3 })
}

// resumedAfterConsent checks the second daemon: it takes the session up
// with the screen question pending and nothing shown; after allow the
// page is live again with video and without control.
func (rs *resumeSetup) resumedAfterConsent(t *testing.T, ctx context.Context) {
	t.Helper()
	st := localStatus(t, ctx, rs.sock, "the resumed session's question", func(st wire.SharerStatus) bool {
		return st.State == wire.SharerAwaitingConsent
	})
	if !st.Resumed || st.Control != wire.ControlNone || st.Frames != 0 {
		t.Fatalf("resumed status = %+v, want resumed, no control, no frames", st)
	}
	if st := rs.pg.until("still waiting", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeState }).Status; st.State == wire.UIStateLive {
		t.Fatalf("the page is live before the sharer allowed again: %+v", st)
	}
	localDo(t, ctx, rs.sock, wire.LocalRequest{Cmd: wire.LocalAllow})
	live := rs.pg.state(wire.UIStateLive)
	if live.Control != wire.ControlNone || len(live.Actions) != 0 {
		t.Errorf("live again with control %q and actions %v, want none", live.Control, live.Actions)
	}
	rs.expectFrames(t)
	if st := localDo(t, ctx, rs.sock, wire.LocalRequest{Cmd: wire.LocalStatus}); st.Control != wire.ControlNone || st.State != wire.SharerSharing {
		t.Errorf("daemon after resuming = %+v, want sharing without control", st)
	}
	// The resumed session keeps a ticket of its own (for another restart).
	if _, err := os.Stat(rs.state); err != nil {
		t.Errorf("state directory: %v", err)
	}
}

// The daemon is killed (SIGKILL) mid-session while the helper has control;
// a new daemon started within the resume window takes the session up
// after the sharer allows again: video back, no control.
func TestSharerKilledResumesAfterConsent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rs := startResumeSetup(t, ctx)

	ticket, _ := filepath.Glob(filepath.Join(rs.state, "resume-*.json"))
	if len(ticket) != 1 {
		t.Fatalf("resume tickets while sharing = %v, want one", ticket)
	}
	if fi, err := os.Stat(ticket[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("ticket %v mode %v, want 0600", err, fi.Mode().Perm())
	}
	if err := rs.first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, ok := rs.first.exited(5 * time.Second); !ok {
		t.Fatal("the daemon did not die")
	}
	rs.pg.state(wire.UIStateReconnecting)

	startSharerProcess(t, rs.exe, rs.args, rs.envVars)
	rs.resumedAfterConsent(t, ctx)
}

// The daemon is stopped from outside (SIGTERM: an update, the service
// manager) mid-session while the helper has control: it exits cleanly and
// keeps its ticket, and the next daemon takes the session up after the
// sharer allows again: video back, no control.
func TestSharerTerminatedResumesAfterConsent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rs := startResumeSetup(t, ctx)

	if err := rs.first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err, ok := rs.first.exited(10 * time.Second); !ok {
		t.Fatal("the daemon did not stop on SIGTERM")
	} else if err != nil {
		t.Errorf("the daemon exited with %v, want 0", err)
	}
	if ticket, _ := filepath.Glob(filepath.Join(rs.state, "resume-*.json")); len(ticket) != 1 {
		t.Fatalf("resume tickets after SIGTERM = %v, want one", ticket)
	}
	rs.pg.state(wire.UIStateReconnecting)

	startSharerProcess(t, rs.exe, rs.args, rs.envVars)
	rs.resumedAfterConsent(t, ctx)
}

// The person's own stop of the daemon (the app quitting asks it to quit;
// Ctrl+C is SIGINT) ends the session: the helper sees why, no ticket is
// left, and a new daemon resumes nothing.
func TestSharerQuitEndsSession(t *testing.T) {
	tests := []struct {
		name string
		stop func(t *testing.T, ctx context.Context, rs *resumeSetup)
	}{
		{"quit", func(t *testing.T, ctx context.Context, rs *resumeSetup) {
			localDo(t, ctx, rs.sock, wire.LocalRequest{Cmd: wire.LocalQuit})
		}},
		{"interrupt", func(t *testing.T, ctx context.Context, rs *resumeSetup) {
			if err := rs.first.cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rs := startResumeSetup(t, ctx)
			tt.stop(t, ctx, rs)
			if err, ok := rs.first.exited(15 * time.Second); !ok {
				t.Fatal("the daemon did not exit")
			} else if err != nil {
				t.Errorf("the daemon exited with %v, want 0", err)
			}
			if st := rs.pg.state(wire.UIStateEnded); st.Reason != wire.ReasonSharerEnded {
				t.Errorf("end reason = %q, want %q", st.Reason, wire.ReasonSharerEnded)
			}
			if ticket, _ := filepath.Glob(filepath.Join(rs.state, "resume-*.json")); len(ticket) != 0 {
				t.Errorf("resume tickets after the person's stop = %v, want none", ticket)
			}
		})
	}
}

// Restart, with the system's restart behind a fake: the helper in control
// asks, the sharer allows, the daemon writes its ticket and an autostart
// entry, tells the service and stops (as the system stops it); the page
// counts down the restart window; the autostart entry's command starts the
// daemon again, which takes the session up after the sharer allows again.
func TestSharerRestartResumesAfterConsent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	home := shortTempDir(t)
	actionsLog := filepath.Join(home, "actions.log")
	rs := startResumeSetup(t, ctx, childActionsEnv+"="+actionsLog, "XDG_CONFIG_HOME="+home)

	if st := rs.granted; !slices.Equal(st.Actions, []string{wire.ActionTaskManager, wire.ActionRestart}) {
		t.Fatalf("actions = %v, want task manager and restart", st.Actions)
	}
	rs.pg.send(wire.BridgeRequest{Type: wire.BridgeQuickAction, Action: wire.ActionTaskManager})
	waitForLine(t, actionsLog, wire.ActionTaskManager)

	// The sharer says no first: nothing happens, the helper is told.
	rs.pg.send(wire.BridgeRequest{Type: wire.BridgeQuickAction, Action: wire.ActionRestart})
	localStatus(t, ctx, rs.sock, "the restart question", func(st wire.SharerStatus) bool { return st.RestartUntil > 0 })
	localDo(t, ctx, rs.sock, wire.LocalRequest{Cmd: wire.LocalDenyRestart})
	if n := rs.pg.until("restart denied", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeNotice }); n.Reason != wire.ReasonRestartDenied {
		t.Fatalf("notice = %+v, want %q", n, wire.ReasonRestartDenied)
	}

	rs.pg.send(wire.BridgeRequest{Type: wire.BridgeQuickAction, Action: wire.ActionRestart})
	localStatus(t, ctx, rs.sock, "the restart question", func(st wire.SharerStatus) bool { return st.RestartUntil > 0 })
	localDo(t, ctx, rs.sock, wire.LocalRequest{Cmd: wire.LocalAllowRestart})
	rs.pg.until("restarting", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.Network == wire.ReasonSharerRestarting && e.Status.Control == wire.ControlNone
	})
	if err, ok := rs.first.exited(10 * time.Second); !ok {
		t.Fatal("the daemon did not stop for the restart")
	} else if err != nil {
		t.Errorf("the daemon exited with %v, want 0", err)
	}
	waitForLine(t, actionsLog, "reboot")
	// The page waits the restart window (longer than the resume window),
	// saying why.
	rs.pg.until("reconnecting for the restart window", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.State == wire.UIStateReconnecting &&
			e.Status.Network == wire.ReasonSharerRestarting &&
			time.Until(time.UnixMilli(e.Status.ReconnectUntil)) > 5*time.Minute
	})

	// The next sign-in starts what the autostart entry says.
	entry := filepath.Join(home, "autostart", "quickhelp-resume.desktop")
	exec := desktopExec(t, entry)
	if len(exec) == 0 || exec[0] != rs.exe || !slices.Equal(exec[1:], rs.args) {
		t.Fatalf("autostart Exec = %q, want %q %q", exec, rs.exe, rs.args)
	}
	startSharerProcess(t, exec[0], exec[1:], rs.envVars)
	rs.resumedAfterConsent(t, ctx)
	if _, err := os.Stat(entry); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the autostart entry is still there after resuming: %v", err)
	}
}

// waitForLine waits for a line in the child's record.
func waitForLine(t *testing.T, path, line string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(path)
		if slices.Contains(strings.Split(string(b), "\n"), line) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the daemon's system was never asked %q", line)
}

// desktopExec reads the Exec line of a desktop entry into its arguments
// (double-quoted words as the daemon writes them).
func desktopExec(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("autostart entry: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "Exec=")
		if !ok {
			continue
		}
		var words []string
		for _, w := range strings.Split(line, `" "`) {
			w = strings.Trim(w, `"`)
			w = strings.ReplaceAll(w, `\\\\`, `\`)
			w = strings.ReplaceAll(w, `\\`, ``)
			w = strings.ReplaceAll(w, "%%", "%")
			words = append(words, w)
		}
		return words
	}
	t.Fatalf("no Exec line in %s", path)
	return nil
}

// childPID finds the child daemon serving socket (its command line names
// the socket).
func childPID(t *testing.T, socket string) int {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 1 && args[1] == "daemon" && slices.Contains(args, socket) {
			var pid int
			if _, err := fmt.Sscanf(filepath.Base(d), "%d", &pid); err == nil {
				return pid
			}
		}
	}
	t.Fatalf("no daemon process serves %s", socket)
	return 0
}

// The app's Get help started the daemon and joined; the daemon is killed
// mid-session: the app starts it again, the new daemon takes the session
// up, and the app asks the sharer again (resumed) before sharing goes on.
func TestSharerServiceRestartsAKilledDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := servertest.Start(t)
	h := startHelper(t, ctx, env)
	sock := filepath.Join(shortTempDir(t), "sharer.sock")
	t.Setenv(childDaemonEnv, "1")
	t.Setenv(childStateEnv, filepath.Join(shortTempDir(t), "state"))
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	svc, sink := newService(t, gethelp.SharerConfig{Socket: sock, Server: env.URL, Daemon: gethelp.ExecDaemon{Path: exe, Server: env.URL},
		RetryInterval: 200 * time.Millisecond})
	svc.PageConnected()
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: h.code})
	sink.WaitSharer(t, "the screen prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptScreen && !s.Resumed })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllow})
	first := sink.WaitSharer(t, "sharing", func(s wire.BridgeSharer) bool { return s.State == wire.SharerSharing })

	if err := syscall.Kill(childPID(t, sock), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	sink.WaitSharer(t, "the daemon gone", func(s wire.BridgeSharer) bool { return !s.Available })
	st := sink.WaitSharer(t, "asked again", func(s wire.BridgeSharer) bool {
		return s.Available && s.Prompt == wire.PromptScreen && s.Resumed
	})
	if st.SessionID != first.SessionID || st.Control != wire.ControlNone || !st.JoinedHere {
		t.Errorf("resumed status = %+v, want the same session (%s), no control, joined here", st, first.SessionID)
	}
	sink.Reset()
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllow})
	sink.WaitSharer(t, "sharing again", func(s wire.BridgeSharer) bool { return s.State == wire.SharerSharing && s.SessionID == first.SessionID })
	waitFor(t, "the helper told sharing goes on", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		n := 0
		for _, e := range h.envs {
			if e.Type == wire.TypeConsent && e.State == wire.StateGranted {
				n++
			}
		}
		return n == 2
	})
}

// The app is stopped from outside (SIGTERM: an update, sign-out) while the
// daemon it started shares: the app stops its daemon the same way, the
// session is left (ticket kept, the helper not told it ended), and the
// next daemon takes it up, asking the sharer again.
func TestSharerServiceLeaveKeepsTheSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := servertest.Start(t)
	h := startHelper(t, ctx, env)
	sock := filepath.Join(shortTempDir(t), "sharer.sock")
	state := filepath.Join(shortTempDir(t), "state")
	t.Setenv(childDaemonEnv, "1")
	t.Setenv(childStateEnv, state)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	svc, sink := newService(t, gethelp.SharerConfig{Socket: sock, Server: env.URL, Daemon: gethelp.ExecDaemon{Path: exe, Server: env.URL}})
	svc.PageConnected()
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: h.code})
	sink.WaitSharer(t, "the screen prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptScreen })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllow})
	first := sink.WaitSharer(t, "sharing", func(s wire.BridgeSharer) bool { return s.State == wire.SharerSharing })

	if err := svc.Leave(); err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
	defer ccancel()
	if _, err := (localapi.Client{Path: sock}).Call(cctx, wire.LocalRequest{Cmd: wire.LocalStatus}); !errors.Is(err, localapi.ErrNotRunning) {
		t.Fatalf("after Leave the started daemon still answers (err %v)", err)
	}
	if ticket, _ := filepath.Glob(filepath.Join(state, "resume-*.json")); len(ticket) != 1 {
		t.Fatalf("resume tickets after Leave = %v, want one", ticket)
	}
	if h.saw(wire.TypeSessionEnded, "") {
		t.Fatal("the helper was told the session ended")
	}

	startSharerProcess(t, exe, []string{"daemon", "--socket", sock, "--server", env.URL}, []string{childStateEnv + "=" + state})
	st := localStatus(t, ctx, sock, "the resumed session's question", func(st wire.SharerStatus) bool {
		return st.State == wire.SharerAwaitingConsent
	})
	if !st.Resumed || st.SessionID != first.SessionID || st.Control != wire.ControlNone {
		t.Errorf("resumed status = %+v, want session %s resumed without control", st, first.SessionID)
	}
}
