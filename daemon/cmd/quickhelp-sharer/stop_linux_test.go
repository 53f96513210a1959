//go:build quickhelp_test

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// How the program stops: SIGTERM (an update, the service manager) leaves
// the session resumable (ticket kept, the helper not told it ended), and
// the next "daemon" takes it up asking again; the local API's quit (the
// app quitting) ends it, and the helper is told.
func TestDaemonStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	x := keepSharingScreen(t, ctx)
	t.Setenv("PATH", t.TempDir()) // no prompt window: the CLI answers
	state := filepath.Join(t.TempDir(), "state")
	t.Setenv("XDG_STATE_HOME", state)

	env, created, endedWith := watchedSession(t, ctx)

	sock := filepath.Join(t.TempDir(), "s.sock")
	cli := func(args ...string) (int, string) {
		var o, e bytes.Buffer
		code := run(append([]string{"--socket", sock}, args...), strings.NewReader(""), &o, &e)
		return code, o.String() + e.String()
	}
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// daemon starts "daemon" in this process; it returns once the daemon
	// said it is ready (its signal handlers are in place by then).
	daemon := func() (done <-chan int) {
		out, errOut := &servertest.SyncBuffer{}, &servertest.SyncBuffer{}
		ch := make(chan int, 1)
		go func() {
			ch <- run([]string{"--server", env.URL, "--socket", sock, "--display", x.Display, "daemon"},
				strings.NewReader(""), out, errOut)
		}()
		until("the daemon ready", func() bool { return strings.Contains(out.String(), "\n") })
		return ch
	}
	exited := func(done <-chan int, how string) {
		t.Helper()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("the daemon exited %d after %s, want 0", code, how)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("the daemon did not exit after %s", how)
		}
	}
	asked := func(st string) func() bool {
		return func() bool { code, s := cli("status"); return code == 0 && strings.Contains(s, st) }
	}

	done := daemon()
	if code, s := cli("join", created.Code); code != 0 {
		t.Fatalf("join = %d %q", code, s)
	}
	until("the screen question", asked("Waiting for you to allow"))
	if code, s := cli("allow"); code != 0 {
		t.Fatalf("allow = %d %q", code, s)
	}
	until("sharing", asked("Sharing your screen"))

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited(done, "SIGTERM")
	if ticket, _ := filepath.Glob(filepath.Join(state, "quickhelp", "resume-*.json")); len(ticket) != 1 {
		t.Fatalf("resume tickets after SIGTERM = %v, want one", ticket)
	}
	time.Sleep(300 * time.Millisecond) // an end, had one been sent, would have arrived
	if r := endedWith(); r != "" {
		t.Fatalf("the helper was told the session ended (%q) on SIGTERM", r)
	}

	done = daemon()
	// The resumed session's question says it goes on.
	until("the question asked again", asked("going on sharing"))
	qctx, qcancel := context.WithTimeout(ctx, 20*time.Second)
	defer qcancel()
	if resp, err := (localapi.Client{Path: sock}).Call(qctx, wire.LocalRequest{Cmd: wire.LocalQuit}); err != nil || !resp.OK {
		t.Fatalf("quit = %+v, %v", resp, err)
	}
	exited(done, "quit")
	until("the helper told", func() bool { return endedWith() == wire.ReasonSharerEnded })
	if ticket, _ := filepath.Glob(filepath.Join(state, "quickhelp", "resume-*.json")); len(ticket) != 0 {
		t.Errorf("resume tickets after quit = %v, want none", ticket)
	}
}
