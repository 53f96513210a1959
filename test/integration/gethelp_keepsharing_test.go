//go:build quickhelp_test

package integration_test

import (
	"context"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/gethelp"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// The daemon asks "Keep sharing?" (shortened by the test build's hook);
// the app's Get help shows the question with the daemon's deadline, its
// answer reaches the daemon, and an unanswered question ends the session
// with the reason the page translates.
func TestSharerServiceKeepSharing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := servertest.Start(t)
	d, err := sharer.New(daemonConfig(env.URL, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	d.SetKeepSharingTimes(800*time.Millisecond, 1500*time.Millisecond)
	sock := serveDaemon(t, d)
	h := startHelper(t, ctx, env)
	svc, sink := newService(t, gethelp.SharerConfig{Socket: sock, Daemon: refuseStart{t}})
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: h.code})
	sink.WaitSharer(t, "the screen prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptScreen })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllow})

	// Asked, answered "yes": sharing goes on and the question comes back later.
	st := sink.WaitSharer(t, "keep sharing?", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptKeepSharing })
	if st.PromptUntil <= time.Now().UnixMilli() || st.PromptUntil != st.KeepSharingUntil {
		t.Errorf("PromptUntil = %d (daemon %d), want the daemon's deadline in the future", st.PromptUntil, st.KeepSharingUntil)
	}
	sink.Reset()
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerKeepSharing})
	sink.WaitSharer(t, "the question answered", func(s wire.BridgeSharer) bool {
		return s.Prompt == "" && s.State == wire.SharerSharing && s.KeepSharingUntil == 0
	})

	// Asked again and left unanswered: the daemon ends the session.
	sink.WaitSharer(t, "keep sharing? again", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptKeepSharing })
	st = sink.WaitSharer(t, "ended", func(s wire.BridgeSharer) bool { return s.State == wire.SharerEnded && s.Prompt == "" })
	if st.Reason != wire.ReasonKeepSharingTimeout {
		t.Errorf("end reason = %q, want %q", st.Reason, wire.ReasonKeepSharingTimeout)
	}
	waitFor(t, "the helper told", func() bool { return h.saw(wire.TypeSessionEnded, string(wire.ReasonKeepSharingTimeout)) })
}
