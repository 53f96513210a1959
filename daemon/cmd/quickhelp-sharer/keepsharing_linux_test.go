//go:build quickhelp_test

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// keepSharingDisplay is the Xvfb display reserved for this package's tests.
const keepSharingDisplay = 150

// keepSharingScreen starts Xvfb on the reserved display until the test
// ends, or skips the test where Xvfb is not installed.
func keepSharingScreen(t *testing.T, ctx context.Context) *xvfb.Server {
	t.Helper()
	x, err := xvfb.Start(ctx, keepSharingDisplay, 320, 240)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		t.Skip("Xvfb is not installed")
	}
	if err != nil {
		t.Fatalf("xvfb.Start(%d) = %v", keepSharingDisplay, err)
	}
	t.Cleanup(x.Close)
	return x
}

// waitUnansweredStop waits for join (its exit code arrives on done) to
// stop sharing after an unanswered "Keep sharing?": exit code 0 and the
// reason told in its output.
func waitUnansweredStop(t *testing.T, done <-chan int, out, errOut *servertest.SyncBuffer) {
	t.Helper()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("join exited %d; stderr %q", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the unanswered question did not stop sharing; stdout %q", out.String())
	}
	if want := wire.ReasonKeepSharingTimeout.SharerText(); !strings.Contains(out.String(), want) {
		t.Errorf("daemon output %q, want %q", out.String(), want)
	}
}

// "Keep sharing?" answered from the CLI alone, with the test build's short
// interval: the daemon asks (status says so), "keep-sharing" goes on,
// "keep-sharing" without a question is refused, and the next question left
// unanswered stops sharing; the helper is told the reason code.
func TestKeepSharingFromTheCLI(t *testing.T) {
	t.Setenv(sharer.EnvKeepSharing, "1500ms,2s")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	x := keepSharingScreen(t, ctx)
	// No QuickHelp app may be found for a prompt window: the CLI answers.
	t.Setenv("PATH", t.TempDir())

	env, created, endedWith := watchedSession(t, ctx)

	sock := filepath.Join(t.TempDir(), "s.sock")
	out, errOut := &servertest.SyncBuffer{}, &servertest.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"--server", env.URL, "--socket", sock, "--display", x.Display, "join", created.Code},
			strings.NewReader(""), out, errOut)
	}()
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
				t.Fatalf("timed out waiting for %s; daemon stdout %q stderr %q", what, out.String(), errOut.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	asked := func() bool {
		code, s := cli("status")
		return code == 0 && strings.Contains(s, "Keep sharing?")
	}

	until("the screen question", func() bool {
		code, s := cli("status")
		return code == 0 && strings.Contains(s, "Waiting for you to allow")
	})
	if code, s := cli("keep-sharing"); code != 1 {
		t.Errorf("keep-sharing before sharing = %d %q, want a refusal", code, s)
	}
	if code, s := cli("allow"); code != 0 {
		t.Fatalf("allow = %d %q", code, s)
	}
	start := time.Now()
	until("the first question", asked)
	if took := time.Since(start); took < time.Second {
		t.Errorf("asked after %v, want about the 1.5 s interval", took)
	}
	until("the question in the daemon's output", func() bool { return strings.Contains(out.String(), "quickhelp-sharer keep-sharing") })
	if code, s := cli("keep-sharing"); code != 0 || strings.Contains(s, "Keep sharing?") {
		t.Fatalf("keep-sharing = %d %q, want sharing to go on without the question", code, s)
	}
	if code, s := cli("keep-sharing"); code != 1 {
		t.Errorf("keep-sharing with no question = %d %q, want a refusal", code, s)
	}
	if code, s := cli("status"); code != 0 || !strings.Contains(s, "Sharing your screen") {
		t.Fatalf("status after keep-sharing = %d %q, want sharing", code, s)
	}

	// Asked again and left unanswered: sharing stops.
	until("the second question", asked)
	waitUnansweredStop(t, done, out, errOut)
	until("the helper told", func() bool { return endedWith() == wire.ReasonKeepSharingTimeout })
}

// With --consent terminal the question is asked in the terminal: "y" goes
// on, and the next question left unanswered stops sharing.
func TestKeepSharingInTheTerminal(t *testing.T) {
	t.Setenv(sharer.EnvKeepSharing, "1s,2s")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	x := keepSharingScreen(t, ctx)
	env := servertest.Start(t)
	code := env.CreateSession(t, env.HelperToken(t)).Code
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	sock := filepath.Join(t.TempDir(), "s.sock")
	out, errOut := &servertest.SyncBuffer{}, &servertest.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"--consent", "terminal", "--server", env.URL, "--socket", sock, "--display", x.Display, "join", code},
			r, out, errOut)
	}()
	waitOut := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for strings.Count(out.String(), what) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %q (×%d); stdout %q, stderr %q", what, n, out.String(), errOut.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitOut("Allow sharing your screen? [y/N]", 1)
	w.WriteString("y\n")
	waitOut("Keep sharing? [y/N]", 1)
	w.WriteString("y\n")
	waitOut("Keep sharing? [y/N]", 2)
	waitUnansweredStop(t, done, out, errOut)
}
