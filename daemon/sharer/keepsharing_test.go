package sharer

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/input"
	"github.com/quickhelp/quickhelp/daemon/overlay"
	"github.com/quickhelp/quickhelp/wire"
)

// hideRecorder stands in for the on-screen overlay (an OS boundary) and
// records whether annotations are hidden.
type hideRecorder struct {
	mu     sync.Mutex
	hidden bool
}

func (r *hideRecorder) Apply(wire.Annotation) error { return nil }
func (r *hideRecorder) Clear() error                { return nil }
func (r *hideRecorder) Close() error                { return nil }
func (r *hideRecorder) Hide(h bool) error {
	r.mu.Lock()
	r.hidden = h
	r.mu.Unlock()
	return nil
}
func (r *hideRecorder) isHidden() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hidden
}

// The session loop asks "Keep sharing?" after keepEvery of sharing: the
// status carries the deadline and the helper's annotations are hidden;
// "yes" clears both and arms the next question; a question left
// unanswered ends the session and tells the helper keep-sharing-timeout.
func TestKeepSharingInTheSessionLoop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ended := make(chan wire.Reason, 1)
	helper := connectHelper(t, ctx, func(e wire.Envelope) {
		if e.Type == wire.TypeSessionEnded {
			ended <- e.Reason
		}
	})
	env, created := helper.env, helper.created

	ov := &hideRecorder{}
	d, err := New(Config{
		ServerURL:    env.URL,
		NewSource:    func(capture.Config) (capture.Source, error) { return capture.NewPattern(64, 48), nil },
		NewInjector:  func(string) (input.Injector, error) { return nil, input.ErrUnsupported },
		NewOverlay:   func(string, func() wire.Monitor, *slog.Logger) overlay.Overlay { return ov },
		PeerSettings: loopbackPeers,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// The test answers within keepGrace of seeing the question and checks
	// that no question is pending right after the answer, so both must
	// outlast a loaded machine's scheduling delays.
	d.keepEvery, d.keepGrace = 2*time.Second, 3*time.Second
	if err := d.Join(ctx, created.Code, ""); err != nil {
		t.Fatal(err)
	}
	do := func(cmd string) wire.LocalResponse { return d.Do(ctx, wire.LocalRequest{Cmd: cmd}) }
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (status %+v)", what, d.Status())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	if r := do(wire.LocalKeepSharing); r.OK || r.Reason != wire.ReasonNotAllowed {
		t.Errorf("keep-sharing before sharing = %+v, want refused %q", r, wire.ReasonNotAllowed)
	}
	if r := do(wire.LocalAllow); !r.OK {
		t.Fatalf("allow = %+v", r)
	}
	until("the question", func() bool { return d.Status().KeepSharingUntil > 0 })
	if until := d.Status().KeepSharingUntil; until <= time.Now().UnixMilli() {
		t.Errorf("KeepSharingUntil = %d, want a deadline in the future", until)
	}
	if !ov.isHidden() {
		t.Error("annotations shown while the question is pending")
	}
	if r := do(wire.LocalKeepSharing); !r.OK || r.Status == nil || r.Status.KeepSharingUntil != 0 || r.Status.State != wire.SharerSharing {
		t.Fatalf("keep-sharing = %+v, want sharing on without the question", r)
	}
	if ov.isHidden() {
		t.Error("annotations still hidden after the answer")
	}
	if r := do(wire.LocalKeepSharing); r.OK {
		t.Error("keep-sharing with no question pending was accepted")
	}

	// The next question, left unanswered, ends the session.
	until("the second question", func() bool { return d.Status().KeepSharingUntil > 0 })
	until("the end", func() bool { return d.Status().State == wire.SharerEnded })
	if st := d.Status(); st.Reason != wire.ReasonKeepSharingTimeout || st.KeepSharingUntil != 0 {
		t.Errorf("ended status = %+v, want reason %q and no question", st, wire.ReasonKeepSharingTimeout)
	}
	select {
	case r := <-ended:
		if r != wire.ReasonKeepSharingTimeout {
			t.Errorf("the helper was told %q, want %q", r, wire.ReasonKeepSharingTimeout)
		}
	case <-ctx.Done():
		t.Fatal("the helper was not told the session ended")
	}
}
