package gethelp

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/bridge/bridgetest"
	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/wire"
)

// The service with a real daemon and a real service is tested in
// test/integration; these tests need neither.

func newService(t *testing.T, cfg SharerConfig) (*SharerService, *bridgetest.Sink) {
	t.Helper()
	sink := &bridgetest.Sink{}
	cfg.Sink = sink
	cfg.RetryInterval = 100 * time.Millisecond
	s, err := NewSharerService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, sink
}

func TestSharerServiceDaemonMissing(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "sharer.sock")
	svc, sink := newService(t, SharerConfig{Socket: sock, Daemon: ExecDaemon{Path: filepath.Join(t.TempDir(), "no-such-program")}})
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: "ABCD-EFGH"})
	e := sink.WaitEvent(t, "the error", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeError })
	if e.Reason != wire.ReasonSharerUnavailable {
		t.Errorf("get-help without a daemon program: reason %q, want %q", e.Reason, wire.ReasonSharerUnavailable)
	}
}

// On Windows another user's program may hold the daemon's pipe name; the
// page is told so, not that the daemon could not start.
func TestSharerServiceLocalConnectionNotYours(t *testing.T) {
	svc, sink := newService(t, SharerConfig{Socket: filepath.Join(t.TempDir(), "sharer.sock"), Daemon: ExecDaemon{Path: "unused"}})
	svc.answered(wire.LocalResponse{}, fmt.Errorf("dial: %w", localapi.ErrNotOwner))
	e := sink.WaitEvent(t, "the error", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeError })
	if e.Reason != wire.ReasonSharerNotYours {
		t.Errorf("a pipe held by another user: reason %q, want %q", e.Reason, wire.ReasonSharerNotYours)
	}
}

func TestFindDaemonOnPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, DaemonName)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	got, err := FindDaemon()
	if err != nil || got != p {
		t.Errorf("FindDaemon() = %q, %v, want %q", got, err, p)
	}
	t.Setenv("PATH", t.TempDir())
	if got, err := FindDaemon(); err == nil {
		t.Errorf("FindDaemon() with an empty PATH = %q, want an error", got)
	}
}

func TestIsSharerRequest(t *testing.T) {
	tests := []struct {
		typ  string
		want bool
	}{
		{wire.BridgeGetHelp, true}, {wire.BridgeSharerStop, true}, {wire.BridgeSharerChat, true},
		{wire.BridgeChat, false}, {wire.BridgeEnd, false}, {wire.BridgeLogin, false},
	}
	for _, tt := range tests {
		if got := IsSharerRequest(tt.typ); got != tt.want {
			t.Errorf("IsSharerRequest(%q) = %v, want %v", tt.typ, got, tt.want)
		}
	}
}
