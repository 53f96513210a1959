// Longer than 500 lines on purpose: every test here drives one Session
// against a real service through the same few helpers at the top.

package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/ratelimit"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newTestClient(t *testing.T, base string) *Client {
	t.Helper()
	c, err := New(base)
	if err != nil {
		t.Fatalf("New(%q): %v", base, err)
	}
	return c
}

// nextEvent waits for the next event, failing the test on timeout.
func nextEvent(t *testing.T, s *Session) Event {
	t.Helper()
	select {
	case ev, ok := <-s.Events():
		if !ok {
			t.Fatalf("events channel closed early (err %v)", s.Err())
		}
		return ev
	case <-time.After(30 * time.Second):
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Logf("%s", buf[:n])
		t.Fatalf("timed out waiting for an event")
		return Event{}
	}
}

// waitMessage skips events until an envelope of type typ arrives.
func waitMessage(t *testing.T, s *Session, typ string) wire.Envelope {
	t.Helper()
	for {
		ev := nextEvent(t, s)
		if ev.Kind == EventClosed {
			t.Fatalf("session closed while waiting for %q: %v", typ, ev.Err)
		}
		if ev.Kind == EventMessage && ev.Envelope.Type == typ {
			return ev.Envelope
		}
	}
}

// waitKind skips events until one of kind k arrives.
func waitKind(t *testing.T, s *Session, k EventKind) Event {
	t.Helper()
	for {
		ev := nextEvent(t, s)
		if ev.Kind == k {
			return ev
		}
		if ev.Kind == EventClosed {
			t.Fatalf("session closed while waiting for %v: %v", k, ev.Err)
		}
	}
}

// pair is a helper and a sharer connected to one session.
type pair struct {
	helperToken    string
	created        wire.CreateSessionResponse
	joined         wire.JoinResponse
	helper, sharer *Session
}

func connectPair(t *testing.T, ctx context.Context, c, sharerClient *Client, opts ConnectOptions) *pair {
	t.Helper()
	login, err := c.Login(ctx, servertest.HelperEmail, servertest.HelperPassword)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	cr, err := c.CreateSession(ctx, login.Token)
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	jr, err := sharerClient.Join(ctx, cr.Code)
	if err != nil {
		t.Fatalf("Join(%q): %v", cr.Code, err)
	}
	if jr.SessionID != cr.SessionID {
		t.Fatalf("Join session = %q, want %q", jr.SessionID, cr.SessionID)
	}
	p := &pair{helperToken: login.Token, created: cr, joined: jr}
	if p.helper, err = c.Connect(ctx, cr.SessionID, cr.Token, opts); err != nil {
		t.Fatalf("Connect helper: %v", err)
	}
	t.Cleanup(func() { _ = p.helper.Close() })
	if p.sharer, err = sharerClient.Connect(ctx, jr.SessionID, jr.Token, opts); err != nil {
		t.Fatalf("Connect sharer: %v", err)
	}
	t.Cleanup(func() { _ = p.sharer.Close() })
	for _, s := range []*Session{p.helper, p.sharer} {
		if ev := nextEvent(t, s); ev.Kind != EventConnected {
			t.Fatalf("first event = %v, want connected", ev.Kind)
		}
	}
	hello := waitPeer(t, p.sharer)
	if hello.Role != wire.RoleSharer || hello.Helper == nil || hello.Helper.DisplayName != "Alex P." {
		t.Errorf("sharer hello = %+v, want role sharer and helper Alex P.", hello)
	}
	if hello := waitPeer(t, p.helper); hello.Role != wire.RoleHelper || hello.Helper != nil {
		t.Errorf("helper hello = %+v, want role helper without helper info", hello)
	}
	return p
}

// waitPeer waits for the hello and, unless it says the other participant
// is already there, for peer-joined: the service attaches the two sockets
// in whatever order their upgrades finish.
func waitPeer(t *testing.T, s *Session) wire.Envelope {
	t.Helper()
	hello := waitMessage(t, s, wire.TypeHello)
	if !hello.Peer {
		waitMessage(t, s, wire.TypePeerJoined)
	}
	return hello
}

func chat(t *testing.T, ctx context.Context, from, to *Session, text string) {
	t.Helper()
	if err := from.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: text}); err != nil {
		t.Fatalf("Send chat %q: %v", text, err)
	}
	got := waitMessage(t, to, wire.TypeChat)
	if got.Text != text {
		t.Errorf("received chat %q, want %q", got.Text, text)
	}
}

func TestFullFlow(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	p := connectPair(t, ctx, c, c, ConnectOptions{})

	chat(t, ctx, p.helper, p.sharer, "Hello, I am Alex from IT.")
	chat(t, ctx, p.sharer, p.helper, "Hi! My printer is stuck. ✓")

	// An invalid envelope is refused locally, before the queue.
	if err := p.helper.Send(ctx, wire.Envelope{Type: wire.TypeChat}); !errors.Is(err, wire.ErrInvalidEnvelope) {
		t.Errorf("Send(empty chat) = %v, want ErrInvalidEnvelope", err)
	}

	if err := p.helper.Send(ctx, wire.Envelope{Type: wire.TypeEnd, Reason: wire.ReasonHelperEnded}); err != nil {
		t.Fatalf("Send end: %v", err)
	}
	for name, s := range map[string]*Session{"helper": p.helper, "sharer": p.sharer} {
		ended := waitMessage(t, s, wire.TypeSessionEnded)
		if ended.Reason != wire.ReasonHelperEnded {
			t.Errorf("%s: session-ended reason %q, want %q", name, ended.Reason, wire.ReasonHelperEnded)
		}
		closed := nextEvent(t, s)
		if closed.Kind != EventClosed || !errors.Is(closed.Err, ErrSessionEnded) || closed.Reason != wire.ReasonHelperEnded {
			t.Errorf("%s: after session-ended got %v err %v reason %q, want closed/ErrSessionEnded", name, closed.Kind, closed.Err, closed.Reason)
		}
		if _, ok := <-s.Events(); ok {
			t.Errorf("%s: events channel still open after closed event", name)
		}
		if err := s.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "late"}); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Send after end = %v, want ErrClosed", name, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: Close = %v", name, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: second Close = %v", name, err)
		}
	}

	// The token of an ended session is refused at once.
	if _, err := c.Connect(ctx, p.created.SessionID, p.created.Token, ConnectOptions{}); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Connect after end = %v, want ErrUnauthorized", err)
	}
	if err := c.Logout(ctx, p.helperToken); err != nil {
		t.Errorf("Logout: %v", err)
	}
	if _, err := c.CreateSession(ctx, p.helperToken); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("CreateSession after logout = %v, want ErrUnauthorized", err)
	}
	checkNoSessionGoroutines(t)
}

func TestLoginErrors(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	_, err := c.Login(ctx, servertest.HelperEmail, "wrong password")
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Login(wrong password) = %v, want ErrUnauthorized", err)
	}
	if msg := UserMessage(err); msg == "" || strings.Contains(msg, "password-1") {
		t.Errorf("UserMessage = %q, want a plain sentence", msg)
	}
}

func TestWrongCode(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	_, err := c.Join(ctx, "ABCD-EFGH")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Join(wrong code) = %v, want ErrNotFound", err)
	}
	var api *APIError
	if !errors.As(err, &api) || api.Status != 404 || api.Message == "" || strings.Contains(api.Message, "not_found") {
		t.Errorf("APIError = %+v, want 404 with a plain message", api)
	}
}

func TestJoinRateLimited(t *testing.T) {
	env := servertest.StartWith(t, func(cfg *server.Config) {
		cfg.JoinRules = []ratelimit.Rule{{Window: time.Minute, Max: 2}}
	})
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	var err error
	for i := 0; i < 10; i++ { // bounded: the limit is 2
		if _, err = c.Join(ctx, "ZZZZ-ZZZZ"); errors.Is(err, ErrRateLimited) {
			break
		}
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Join #%d = %v, want ErrNotFound before the limit", i, err)
		}
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("Join never rate limited; last error %v", err)
	}
	var api *APIError
	if !errors.As(err, &api) || api.RetryAfter <= 0 || api.RetryAfter > time.Minute || api.Message == "" {
		t.Errorf("APIError = %+v, want RetryAfter in (0, 1m] and a message", api)
	}
}

func TestUnreachable(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	_, err := c.Join(testCtx(t), "ABCD-EFGH")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Join to a closed port = %v, want ErrUnreachable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Join(ctx, "ABCD-EFGH"); !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnreachable) {
		t.Errorf("Join with cancelled ctx = %v, want context.Canceled only", err)
	}
}

func TestReconnectThroughCutProxy(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	u, _ := url.Parse(env.URL)
	proxy := newCutProxy(t, u.Host)
	direct := newTestClient(t, env.URL)
	viaProxy := newTestClient(t, "http://"+proxy.Addr())
	opts := ConnectOptions{InitialBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	// The sharer goes through the proxy; the helper connects directly.
	p := connectPair(t, ctx, direct, viaProxy, opts)
	chat(t, ctx, p.helper, p.sharer, "before the cut")

	proxy.Cut()
	ev := waitKind(t, p.sharer, EventReconnecting)
	if ev.Attempt != 1 || ev.Deadline.IsZero() || ev.Err == nil {
		t.Errorf("reconnecting event = %+v, want attempt 1 with deadline and cause", ev)
	}
	waitMessage(t, p.helper, wire.TypePeerLeft)
	waitKind(t, p.sharer, EventConnected)
	if hello := waitMessage(t, p.sharer, wire.TypeHello); !hello.Peer {
		t.Errorf("hello after reconnect = %+v, want peer present", hello)
	}
	waitMessage(t, p.helper, wire.TypePeerJoined)
	chat(t, ctx, p.sharer, p.helper, "after the cut")
	chat(t, ctx, p.helper, p.sharer, "still here")

	// A message sent while the socket is down waits and then goes out.
	proxy.Refuse(true)
	proxy.Cut()
	waitKind(t, p.sharer, EventReconnecting)
	sent := make(chan error, 1)
	go func() { sent <- p.sharer.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "queued while down"}) }()
	time.Sleep(100 * time.Millisecond) // let Send enqueue while no socket exists
	proxy.Refuse(false)
	waitKind(t, p.sharer, EventConnected)
	if err := <-sent; err != nil {
		t.Fatalf("queued Send = %v", err)
	}
	if got := waitMessage(t, p.helper, wire.TypeChat); got.Text != "queued while down" {
		t.Errorf("helper got %q, want the queued message", got.Text)
	}
}

func TestSessionEndsWhenNotBackInTime(t *testing.T) {
	env := servertest.StartWith(t, func(cfg *server.Config) { cfg.ResumeWindow = 500 * time.Millisecond })
	ctx := testCtx(t)
	u, _ := url.Parse(env.URL)
	proxy := newCutProxy(t, u.Host)
	direct := newTestClient(t, env.URL)
	viaProxy := newTestClient(t, "http://"+proxy.Addr())
	opts := ConnectOptions{ResumeWindow: 2 * time.Second, InitialBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	p := connectPair(t, ctx, direct, viaProxy, opts)

	proxy.Refuse(true)
	proxy.Cut()
	// The helper stays connected and is told the session timed out.
	if ended := waitMessage(t, p.helper, wire.TypeSessionEnded); ended.Reason != wire.ReasonTimeout {
		t.Errorf("helper session-ended reason %q, want %q", ended.Reason, wire.ReasonTimeout)
	}
	// The sharer cannot get back: either its window runs out, or, once the
	// proxy lets it through, the service refuses the ended session at once.
	waitKind(t, p.sharer, EventReconnecting)
	proxy.Refuse(false)
	var closed Event
	for closed.Kind != EventClosed {
		closed = nextEvent(t, p.sharer)
	}
	if !errors.Is(closed.Err, ErrUnauthorized) && !errors.Is(closed.Err, ErrResumeTimeout) {
		t.Errorf("sharer closed with %v, want ErrUnauthorized or ErrResumeTimeout", closed.Err)
	}
	if err := p.sharer.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "x"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after close = %v, want ErrClosed", err)
	}
}

func TestResumeWindowRunsOut(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	u, _ := url.Parse(env.URL)
	proxy := newCutProxy(t, u.Host)
	direct := newTestClient(t, env.URL)
	viaProxy := newTestClient(t, "http://"+proxy.Addr())
	opts := ConnectOptions{ResumeWindow: 600 * time.Millisecond, InitialBackoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
	p := connectPair(t, ctx, direct, viaProxy, opts)

	proxy.Refuse(true)
	proxy.Cut()
	attempts := 0
	var closed Event
	for closed.Kind != EventClosed {
		ev := nextEvent(t, p.sharer)
		switch ev.Kind {
		case EventReconnecting:
			attempts = ev.Attempt
		case EventClosed:
			closed = ev
		}
	}
	if !errors.Is(closed.Err, ErrResumeTimeout) || !errors.Is(closed.Err, ErrUnreachable) {
		t.Errorf("closed with %v, want ErrResumeTimeout wrapping ErrUnreachable", closed.Err)
	}
	if attempts < 2 {
		t.Errorf("made %d reconnect attempts, want several", attempts)
	}
	if UserMessage(closed.Err) == "" {
		t.Errorf("no user message for %v", closed.Err)
	}
}

func TestCloseIsIdempotentAndStopsSend(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	p := connectPair(t, ctx, c, c, ConnectOptions{})
	if err := p.sharer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := p.sharer.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := p.sharer.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "x"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
	// The helper sees the sharer leave (not end): its window is running.
	if left := waitMessage(t, p.helper, wire.TypePeerLeft); left.Role != wire.RoleSharer {
		t.Errorf("peer-left role %q, want sharer", left.Role)
	}
	for range p.sharer.Events() { // drains and ends: the channel is closed
	}
	if p.sharer.Err() != nil {
		t.Errorf("Err after local Close = %v, want nil", p.sharer.Err())
	}
	if err := p.helper.Close(); err != nil {
		t.Fatalf("helper Close: %v", err)
	}
	checkNoSessionGoroutines(t)
}

func TestConnectRefused(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	_, err := c.Connect(ctx, "no-such-session", "bogus-token", ConnectOptions{})
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Connect with bogus token = %v, want ErrUnauthorized", err)
	}
}

func TestAdminHelpers(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	p := connectPair(t, ctx, c, c, ConnectOptions{})
	if err := c.Report(ctx, p.joined.Token, p.joined.SessionID, "asked for my bank password"); err != nil {
		t.Fatalf("Report: %v", err)
	}
	waitMessage(t, p.helper, wire.TypeSessionEnded)

	admin, err := c.Login(ctx, servertest.AdminEmail, servertest.AdminPassword)
	if err != nil {
		t.Fatalf("admin Login: %v", err)
	}
	reps, err := c.AdminReports(ctx, admin.Token)
	if err != nil || len(reps) != 1 || reps[0].SessionID != p.joined.SessionID {
		t.Fatalf("AdminReports = %+v, %v; want one report for %s", reps, err, p.joined.SessionID)
	}
	recs, err := c.AdminSessions(ctx, admin.Token)
	if err != nil || len(recs) != 1 || recs[0].ID != p.created.SessionID {
		t.Fatalf("AdminSessions = %+v, %v; want the one session", recs, err)
	}
	if _, err := c.AdminSessions(ctx, p.helperToken); !errors.Is(err, ErrForbidden) {
		t.Errorf("AdminSessions as helper = %v, want ErrForbidden", err)
	}

	// Suspending the helper stops it creating codes.
	if u, err := c.SetUserDisabled(ctx, admin.Token, env.HelperID, true); err != nil || !u.Disabled {
		t.Fatalf("SetUserDisabled(true) = %+v, %v", u, err)
	}
	if _, err := c.CreateSession(ctx, p.helperToken); err == nil {
		t.Errorf("CreateSession by a suspended helper succeeded")
	}
	if _, err := c.SetUserDisabled(ctx, admin.Token, env.HelperID, false); err != nil {
		t.Fatalf("SetUserDisabled(false): %v", err)
	}
	helper, err := c.Login(ctx, servertest.HelperEmail, servertest.HelperPassword)
	if err != nil {
		t.Fatalf("Login after re-enable: %v", err)
	}
	if pol, err := c.SetOrgDisabled(ctx, admin.Token, true); err != nil || !pol.Disabled {
		t.Fatalf("SetOrgDisabled(true) = %+v, %v", pol, err)
	}
	if _, err := c.CreateSession(ctx, helper.Token); !errors.Is(err, ErrOrgDisabled) && !errors.Is(err, ErrUnauthorized) {
		t.Errorf("CreateSession in a disabled org = %v, want ErrOrgDisabled", err)
	}
	if pol, err := c.SetOrgDisabled(ctx, admin.Token, false); err != nil || pol.Disabled {
		t.Fatalf("SetOrgDisabled(false) = %+v, %v", pol, err)
	}
	if _, err := c.SetUserDisabled(ctx, admin.Token, "", true); !errors.Is(err, ErrBadRequest) {
		t.Errorf("SetUserDisabled(empty id) = %v, want ErrBadRequest", err)
	}
}

// checkNoSessionGoroutines fails if any Session goroutine outlives Close.
func checkNoSessionGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "client.(*Session)") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session goroutines still running after Close:\n%s", stacks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFullEventsDropMessagesButNotSessionEnded(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	p := connectPair(t, ctx, c, c, ConnectOptions{EventBuffer: 1, EventWait: time.Second})
	// Nobody reads the sharer's events now: one chat fills the channel, the
	// others wait a second each and are dropped.
	const sent = 4
	for i := range sent {
		if err := p.helper.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: fmt.Sprintf("msg %d", i)}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for p.sharer.Dropped() < sent-2 {
		if time.Now().After(deadline) {
			t.Fatalf("Dropped() = %d, want at least %d", p.sharer.Dropped(), sent-2)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.helper.Send(ctx, wire.Envelope{Type: wire.TypeEnd, Reason: wire.ReasonHelperEnded}); err != nil {
		t.Fatalf("Send end: %v", err)
	}
	time.Sleep(2 * time.Second) // longer than EventWait: session-ended must still wait for the reader
	var chats int
	var ended, closed bool
	for ev := range p.sharer.Events() {
		switch {
		case ev.Kind == EventMessage && ev.Envelope.Type == wire.TypeChat:
			chats++
		case ev.Kind == EventMessage && ev.Envelope.Type == wire.TypeSessionEnded:
			ended = true
		case ev.Kind == EventClosed:
			closed = true
		}
	}
	if !ended || !closed {
		t.Errorf("after a full channel: session-ended %v, closed %v; want both delivered", ended, closed)
	}
	if got := int64(chats) + p.sharer.Dropped(); got != sent {
		t.Errorf("chats delivered %d + dropped %d = %d, want %d", chats, p.sharer.Dropped(), got, sent)
	}
}

// Redial replaces a socket that still works with a new one: the owner
// sees a reconnect, the other side a leave and a join, and messages flow
// on the new socket.
func TestRedial(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	opts := ConnectOptions{InitialBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	p := connectPair(t, ctx, c, newTestClient(t, env.URL), opts)

	p.sharer.Redial()
	p.sharer.Redial() // merged into the pending one
	if ev := waitKind(t, p.sharer, EventReconnecting); !errors.Is(ev.Err, errRedial) {
		t.Errorf("reconnecting cause = %v, want errRedial", ev.Err)
	}
	waitMessage(t, p.helper, wire.TypePeerLeft)
	waitKind(t, p.sharer, EventConnected)
	if hello := waitMessage(t, p.sharer, wire.TypeHello); !hello.Peer {
		t.Errorf("hello after redial = %+v, want peer present", hello)
	}
	waitMessage(t, p.helper, wire.TypePeerJoined)
	chat(t, ctx, p.sharer, p.helper, "after the redial")
}
