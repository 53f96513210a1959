package integration_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/gethelp"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// childDaemonEnv makes the test binary act as "quickhelp-sharer daemon":
// a real sharer daemon (test pattern instead of a screen) on the socket
// named by its arguments, until stopped. ExecDaemon is tested by starting it.
const childDaemonEnv = "QH_APP_TEST_SHARER_DAEMON"

func TestMain(m *testing.M) {
	if os.Getenv(childDaemonEnv) == "1" {
		os.Exit(runChildDaemon(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func runChildDaemon(args []string) int {
	var socket, server string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--socket":
			socket = args[i+1]
		case "--server":
			server = args[i+1]
		}
	}
	if len(args) == 0 || args[0] != "daemon" || socket == "" {
		fmt.Fprintf(os.Stderr, "child daemon: bad arguments %q\n", args)
		return 2
	}
	// As quickhelp-sharer daemon does: SIGINT and wire.LocalQuit are the
	// person's stop (the session ends), SIGTERM a stop from outside (the
	// session is left to the next daemon).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	defer signal.Stop(term)
	cfg := daemonConfig(server, time.Minute)
	resumable := childResumable(&cfg, socket, args)
	d, err := sharer.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv, err := localapi.Serve(socket, d, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if resumable {
		// As quickhelp-sharer daemon does: a session the previous daemon
		// left goes on once the sharer allows again.
		if _, err := d.Resume(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "resume:", err)
		}
	}
	select {
	case <-ctx.Done():
		d.Close()
	case <-d.Quit():
		d.Close()
	case <-term:
		d.Leave()
	}
	srv.Close()
	return 0
}

func TestSharerServiceStartsTheDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env := servertest.Start(t)
	h := startHelper(t, ctx, env)
	sock := filepath.Join(shortTempDir(t), "sharer.sock")
	t.Setenv(childDaemonEnv, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	svc, sink := newService(t, gethelp.SharerConfig{Socket: sock, Server: env.URL, Daemon: gethelp.ExecDaemon{Path: exe, Server: env.URL}})
	svc.PageConnected()
	sink.WaitSharer(t, "no daemon yet", func(s wire.BridgeSharer) bool { return !s.Available })

	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: h.code})
	st := sink.WaitSharer(t, "the screen prompt from the started daemon", func(s wire.BridgeSharer) bool {
		return s.Available && s.Prompt == wire.PromptScreen
	})
	if st.Helper == nil || st.Helper.Organization != servertest.OrgName {
		t.Errorf("helper = %+v, want the helper of %s", st.Helper, servertest.OrgName)
	}
	// The app quitting is the person's stop: the session ends, and the
	// helper is told why.
	svc.Close()
	waitFor(t, "the helper told the sharer ended", func() bool { return h.saw(wire.TypeSessionEnded, string(wire.ReasonSharerEnded)) })
	cl := localapi.Client{Path: sock}
	cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
	defer ccancel()
	if _, err := cl.Call(cctx, wire.LocalRequest{Cmd: wire.LocalStatus}); !errors.Is(err, localapi.ErrNotRunning) {
		t.Errorf("after Close the started daemon still answers (err %v)", err)
	}
}
