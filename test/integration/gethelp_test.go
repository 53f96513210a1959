package integration_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/bridge/bridgetest"
	"github.com/quickhelp/quickhelp/app/gethelp"
	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/input"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// nopInjector stands in for the OS input injector: these tests run without
// an X server (input on Xvfb is the daemon's and the e2e tests' business).
type nopInjector struct{}

func (nopInjector) MoveAbs(int, int) error        { return nil }
func (nopInjector) Button(int, bool) error        { return nil }
func (nopInjector) Wheel(int, int) error          { return nil }
func (nopInjector) Key(input.KeyCode, bool) error { return nil }
func (nopInjector) Text(string) error             { return nil }
func (nopInjector) Close() error                  { return nil }

var _ input.Injector = nopInjector{}

// daemonConfig is a real daemon that shares a test pattern instead of an
// X screen.
func daemonConfig(serverURL string, consentTimeout time.Duration) sharer.Config {
	return sharer.Config{
		ServerURL:      serverURL,
		ConsentTimeout: consentTimeout,
		NewSource:      func(capture.Config) (capture.Source, error) { return capture.NewPattern(320, 240), nil },
		NewInjector:    func(string) (input.Injector, error) { return nopInjector{}, nil },
		PeerSettings:   loopbackICE,
	}
}

// startDaemon runs a real sharer daemon behind a real local socket.
func startDaemon(t *testing.T, cfg sharer.Config) string {
	t.Helper()
	d, err := sharer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return serveDaemon(t, d)
}

// serveDaemon puts d behind a real local socket, whose path it returns;
// both stop with the test.
func serveDaemon(t *testing.T, d *sharer.Daemon) string {
	t.Helper()
	sock := filepath.Join(shortTempDir(t), "sharer.sock")
	srv, err := localapi.Serve(sock, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		srv.Close()
	})
	return sock
}

// shortTempDir keeps socket paths under the 108-byte limit of Unix sockets.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qhs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// helperEnd is the helper's session socket (no viewer: these tests look at
// the sharer's side).
type helperEnd struct {
	code string
	sess *client.Session
	mu   sync.Mutex
	envs []wire.Envelope
}

func startHelper(t *testing.T, ctx context.Context, env *servertest.Env) *helperEnd {
	t.Helper()
	api, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	created := env.CreateSession(t, env.HelperToken(t))
	sess, err := api.Connect(ctx, created.SessionID, created.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	h := &helperEnd{code: created.Code, sess: sess}
	go func() {
		for ev := range sess.Events() {
			if ev.Kind == client.EventMessage {
				h.mu.Lock()
				h.envs = append(h.envs, ev.Envelope)
				h.mu.Unlock()
			}
		}
	}()
	return h
}

func (h *helperEnd) saw(typ, text string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.envs {
		if e.Type == typ && (text == "" || e.Text == text || string(e.Reason) == text || e.State == text) {
			return true
		}
	}
	return false
}

func newService(t *testing.T, cfg gethelp.SharerConfig) (*gethelp.SharerService, *bridgetest.Sink) {
	t.Helper()
	sink := &bridgetest.Sink{}
	cfg.Sink = sink
	cfg.RetryInterval = 100 * time.Millisecond
	s, err := gethelp.NewSharerService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, sink
}

func TestSharerServiceWholeSession(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := servertest.Start(t)
	sock := startDaemon(t, daemonConfig(env.URL, time.Minute))
	h := startHelper(t, ctx, env)
	svc, sink := newService(t, gethelp.SharerConfig{Socket: sock, Daemon: refuseStart{t}})
	svc.PageConnected()
	sink.WaitSharer(t, "the daemon reached", func(s wire.BridgeSharer) bool { return s.Available && s.State == wire.SharerIdle })

	// Get help with the code as a person types it.
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: strings.ToLower(strings.Replace(h.code, "-", " ", 1))})
	st := sink.WaitSharer(t, "the screen prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptScreen })
	if st.Helper == nil || st.Helper.DisplayName != "Alex P." || st.Helper.Organization != servertest.OrgName {
		t.Fatalf("prompt helper = %+v, want Alex P. of %s", st.Helper, servertest.OrgName)
	}
	// The join's answer marks the session as this window's own.
	st = sink.WaitSharer(t, "the session marked as joined here", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptScreen && s.JoinedHere })
	// Another window on the same daemon sees the session but did not join it.
	other, otherSink := newService(t, gethelp.SharerConfig{Socket: sock, Daemon: refuseStart{t}})
	other.PageConnected()
	ost := otherSink.WaitSharer(t, "the other window's state", func(s wire.BridgeSharer) bool { return s.SessionID == st.SessionID })
	if ost.JoinedHere {
		t.Errorf("JoinedHere = true in a window that did not join")
	}

	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllow})
	sink.WaitSharer(t, "sharing", func(s wire.BridgeSharer) bool { return s.State == wire.SharerSharing && s.Prompt == "" })
	waitFor(t, "the helper told of consent", func() bool { return h.saw(wire.TypeConsent, wire.StateGranted) })

	// Control: asked, allowed, revoked.
	if err := h.sess.Send(ctx, wire.Envelope{Type: wire.TypeControlRequest}); err != nil {
		t.Fatal(err)
	}
	sink.WaitSharer(t, "the control prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptControl })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerAllowControl})
	sink.WaitSharer(t, "control granted", func(s wire.BridgeSharer) bool { return s.Control == wire.ControlGranted && s.Prompt == "" })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerRevoke})
	sink.WaitSharer(t, "control revoked", func(s wire.BridgeSharer) bool {
		return s.Control == wire.ControlNone && s.State == wire.SharerSharing
	})
	waitFor(t, "the helper told of the revoke", func() bool { return h.saw(wire.TypeControl, wire.StateRevoked) })

	// Pause and resume.
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerPause})
	sink.WaitSharer(t, "paused", func(s wire.BridgeSharer) bool { return s.State == wire.SharerPaused })
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerResume})
	sink.Reset()
	sink.WaitSharer(t, "resumed", func(s wire.BridgeSharer) bool { return s.State == wire.SharerSharing })

	// Chat both ways; the page's own line is echoed once the daemon took it.
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerChat, Text: "can you see it?"})
	waitFor(t, "the helper gets the chat", func() bool { return h.saw(wire.TypeChat, "can you see it?") })
	sink.WaitEvent(t, "the echo", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeSharerChatMsg && e.Chat.From == wire.RoleSharer && e.Chat.Text == "can you see it?"
	})
	if err := h.sess.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "yes, thanks"}); err != nil {
		t.Fatal(err)
	}
	sink.WaitEvent(t, "the helper's chat", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeSharerChatMsg && e.Chat.From == wire.RoleHelper && e.Chat.Text == "yes, thanks"
	})
	// A reloaded page gets the session's chat so far, in order.
	sink.Reset()
	svc.PageConnected()
	hist := sink.WaitEvent(t, "the chat history", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeSharerChatHistory })
	if len(hist.History) != 2 || hist.History[0].Text != "can you see it?" || hist.History[0].From != wire.RoleSharer ||
		hist.History[1].Text != "yes, thanks" || hist.History[1].From != wire.RoleHelper {
		t.Errorf("chat history = %+v, want the two lines in order", hist.History)
	}

	// A command that does not fit is refused with the daemon's reason.
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerRevoke})
	e := sink.WaitEvent(t, "a refusal", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeError })
	if e.Reason != wire.ReasonNotAllowed {
		t.Errorf("revoke without control: error %q %q, want %q", e.Reason, e.Message, wire.ReasonNotAllowed)
	}

	// Report ends the session at once and reaches the admins.
	svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerReport, Comment: "asked for my bank password"})
	st = sink.WaitSharer(t, "ended by the report", func(s wire.BridgeSharer) bool { return s.State == wire.SharerEnded })
	if st.Reason != wire.ReasonReported {
		t.Errorf("end reason = %q, want %q", st.Reason, wire.ReasonReported)
	}
	var reports json.RawMessage
	if code, werr := env.Do(t, "GET", wire.PathAdminReports, env.AdminToken(t), nil, &reports); code != 200 {
		t.Fatalf("GET reports = %d %v", code, werr)
	}
	if !strings.Contains(string(reports), "asked for my bank password") {
		t.Errorf("reports = %s, want the comment", reports)
	}
}

// refuseStart fails the test if the service tries to start a daemon while
// one is running.
type refuseStart struct{ t *testing.T }

func (r refuseStart) Start(context.Context, string) (func(bool), error) {
	r.t.Error("the service started a daemon although one was running")
	return nil, os.ErrInvalid
}

func TestSharerServiceDenyAndTimeout(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := servertest.Start(t)
	sock := startDaemon(t, daemonConfig(env.URL, 1500*time.Millisecond))
	svc, sink := newService(t, gethelp.SharerConfig{Socket: sock, Daemon: refuseStart{t}})

	t.Run("deny", func(t *testing.T) {
		h := startHelper(t, ctx, env)
		sink.Reset()
		svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: h.code})
		sink.WaitSharer(t, "the screen prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptScreen })
		svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSharerDeny})
		st := sink.WaitSharer(t, "ended", func(s wire.BridgeSharer) bool { return s.State == wire.SharerEnded })
		if st.Prompt != "" || st.Reason != wire.ReasonSharerDenied {
			t.Errorf("after deny: prompt %q reason %q, want none and %q", st.Prompt, st.Reason, wire.ReasonSharerDenied)
		}
		waitFor(t, "the helper told", func() bool { return h.saw(wire.TypeSessionEnded, string(wire.ReasonSharerDenied)) })
	})
	t.Run("unanswered", func(t *testing.T) {
		h := startHelper(t, ctx, env)
		sink.Reset()
		svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: h.code})
		sink.WaitSharer(t, "the screen prompt", func(s wire.BridgeSharer) bool { return s.Prompt == wire.PromptScreen })
		st := sink.WaitSharer(t, "ended without an answer", func(s wire.BridgeSharer) bool { return s.State == wire.SharerEnded })
		if st.Prompt != "" || st.Reason != wire.ReasonConsentTimeout {
			t.Errorf("after the timeout: prompt %q reason %q, want none and %q", st.Prompt, st.Reason, wire.ReasonConsentTimeout)
		}
		waitFor(t, "the helper told", func() bool { return h.saw(wire.TypeSessionEnded, string(wire.ReasonConsentTimeout)) })
	})
}

func TestSharerServiceJoinErrors(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	sock := startDaemon(t, daemonConfig(env.URL, time.Minute))
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, server, code string
		want               wire.Reason
	}{
		{"wrong code", env.URL, "ZZZZ-ZZZZ", wire.ReasonWrongCode},
		{"no connection", dead, "ABCD-EFGH", wire.ReasonNoConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, sink := newService(t, gethelp.SharerConfig{Socket: sock, Server: tt.server, Daemon: refuseStart{t}})
			svc.HandleRequest(wire.BridgeRequest{Type: wire.BridgeGetHelp, Code: tt.code})
			e := sink.WaitEvent(t, "the error", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeError })
			if e.Reason != tt.want || e.Message == "" {
				t.Errorf("get-help(%q) error = %q %q, want reason %q with words", tt.code, e.Reason, e.Message, tt.want)
			}
		})
	}
}
