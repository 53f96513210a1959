package sharer

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// TestCommandOnTheLoop checks how a local command meets the session loop:
// a command whose caller gave up before the loop reached it is not acted
// on (a late "deny control" must not stop the control timer), and once the
// session is over commands are refused.
func TestCommandOnTheLoop(t *testing.T) {
	gate, err := consent.New(consent.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{q: rtc.NewLoop(sessionQueue, errSessionEnded), gate: gate}
	s.controlTimer = s.q.NewTimer(func() {})
	s.controlTimer.Reset(time.Hour) // the owner's goroutine: the loop is not running yet

	// The loop is busy (not running): the caller gives up.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.command(ctx, wire.LocalRequest{Cmd: wire.LocalDenyControl}); err == nil || err == errSessionEnded {
		t.Fatalf("command on a busy loop = %v, want a busy error", err)
	}
	var wg sync.WaitGroup
	wg.Go(s.q.Run)
	defer func() { s.q.Close(); wg.Wait() }()
	active := false
	if err := s.q.Do(context.Background(), func() error { active = s.controlTimer.Active(); return nil }); err != nil {
		t.Fatal(err)
	}
	if !active {
		t.Error("a command given up by its caller still ran: the control timer was stopped")
	}

	// A command the loop takes in time runs (it stops the control timer)
	// and answers (the gate refuses: control was never asked for).
	if err := s.command(context.Background(), wire.LocalRequest{Cmd: wire.LocalDenyControl}); err == nil {
		t.Error("deny control without a request = nil, want the gate's refusal")
	}
	if err := s.q.Do(context.Background(), func() error { active = s.controlTimer.Active(); return nil }); err != nil {
		t.Fatal(err)
	}
	if active {
		t.Error("deny control did not run: the control timer is still armed")
	}

	s.q.Close()
	if err := s.command(context.Background(), wire.LocalRequest{Cmd: wire.LocalDenyControl}); err != errSessionEnded {
		t.Errorf("command after the session ended = %v, want %v", err, errSessionEnded)
	}
}
