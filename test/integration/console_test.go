package integration_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// This file drives the controller end to end: a real service on loopback,
// the real bridge with a WebSocket "page", and a sharer made of the real
// service client and the daemon's real pion peer sending VP8 frames.

func TestConsoleSessionEndToEnd(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	br, base := startConsole(t, env.URL)
	pg := openPage(t, ctx, br, base)

	st := pg.state(wire.UIStateSignedOut)
	if st.Server != env.URL {
		t.Errorf("signed-out status server = %q, want the default %q", st.Server, env.URL)
	}

	// A wrong password is a plain-language error and back to the form.
	pg.send(wire.BridgeRequest{Type: wire.BridgeLogin, Email: env.HelperEmail, Password: "wrong"})
	e := pg.until("error", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeError })
	if e.Reason != wire.ReasonBadCredentials || e.Message == "" {
		t.Errorf("wrong password error = %+v, want reason %q with a message", e, wire.ReasonBadCredentials)
	}

	pg.send(wire.BridgeRequest{Type: wire.BridgeLogin, Email: env.HelperEmail, Password: env.HelperPassword})
	if st := pg.state(wire.UIStateHome); st.UserName != "Alex P." {
		t.Errorf("home userName = %q, want %q", st.UserName, "Alex P.")
	}

	pg.send(wire.BridgeRequest{Type: wire.BridgeCreateSession})
	sessEv := pg.until("session", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeSession })
	if len(sessEv.Code) != 9 || sessEv.Code[4] != '-' || sessEv.ExpiresAt <= time.Now().UnixMilli() {
		t.Errorf("session event code %q expires %d: want ABCD-EFGH in the future", sessEv.Code, sessEv.ExpiresAt)
	}
	pg.state(wire.UIStateWaitingSharer)

	sh := joinAsSharer(t, ctx, env.URL, sessEv.Code)
	if st := pg.state(wire.UIStateAwaitingConsent); !st.SharerPresent {
		t.Errorf("awaiting-consent without sharerPresent")
	}

	// Chat works before any video, both ways, with the helper's own line echoed.
	sh.send(wire.Envelope{Type: wire.TypeChat, Text: "Can you help?"})
	c := pg.until("chat from sharer", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeChatMsg })
	if c.Chat.From != wire.RoleSharer || c.Chat.Text != "Can you help?" || c.Chat.TS == 0 {
		t.Errorf("chat line = %+v", c.Chat)
	}
	pg.send(wire.BridgeRequest{Type: wire.BridgeChat, Text: "Yes <b>sure</b>"})
	if got := sh.expect(wire.TypeChat); got.Text != "Yes <b>sure</b>" {
		t.Errorf("sharer got chat %q", got.Text)
	}
	c = pg.until("chat echo", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeChatMsg })
	if c.Chat.From != wire.RoleHelper {
		t.Errorf("echo from %q, want helper", c.Chat.From)
	}
	// A reloaded page gets the session's chat so far.
	pg = openPage(t, ctx, br, base)
	pg.state(wire.UIStateAwaitingConsent)
	hist := pg.until("chat history", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeChatHistory })
	if len(hist.History) != 2 || hist.History[0].From != wire.RoleSharer || hist.History[0].Text != "Can you help?" ||
		hist.History[1].From != wire.RoleHelper || hist.History[1].Text != "Yes <b>sure</b>" {
		t.Errorf("chat history after a reload = %+v, want the two lines in order", hist.History)
	}

	// Consent, then the sharer's offer: the page goes live and gets frames.
	sh.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted})
	pg.state(wire.UIStateConnecting)
	if err := sh.peer.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Live shows the security code, the one the sharer's side computes,
	// once the sharer's nonce has arrived.
	pg.state(wire.UIStateLive)
	st = *pg.until("security code", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeState && e.Status.SAS != "" }).Status
	if st.State != wire.UIStateLive || st.SAS != sh.peer.SAS() {
		t.Errorf("status %q with SAS %q, want live with the sharer's %q", st.State, st.SAS, sh.peer.SAS())
	}

	key, err := os.ReadFile(filepath.Join("..", "..", "wire", "testdata", "frame-vp8-key.bin"))
	if err != nil {
		t.Fatal(err)
	}
	delta, err := os.ReadFile(filepath.Join("..", "..", "wire", "testdata", "frame-vp8-delta.bin"))
	if err != nil {
		t.Fatal(err)
	}
	kf, _ := wire.DecodeFrame(key)
	df, _ := wire.DecodeFrame(delta)
	writeFrames := func(stop <-chan struct{}) {
		for i := 0; ; i++ {
			f := df
			if i%10 == 0 {
				f = kf
			}
			if err := sh.peer.WriteFrame(f.Data, f.Keyframe, time.Now()); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(30 * time.Millisecond):
			}
		}
	}
	stopFrames := make(chan struct{})
	framesDone := make(chan struct{})
	go func() { defer close(framesDone); writeFrames(stopFrames) }()
	defer func() { close(stopFrames); <-framesDone }()

	var got wire.Frame
	for got.Data == nil {
		mt, data, err := pg.conn.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a frame: %v", err)
		}
		if mt != websocket.MessageBinary {
			continue
		}
		f, err := wire.DecodeFrame(data)
		if err != nil {
			t.Fatalf("page got an invalid frame: %v", err)
		}
		got = f
	}
	if !got.Keyframe || got.Codec != wire.CodecVP8 || !bytes.Equal(got.Data, kf.Data) {
		t.Errorf("first frame: key=%v codec=%d %d bytes; want the fixture keyframe (%d bytes)", got.Keyframe, got.Codec, len(got.Data), len(kf.Data))
	}
	pg.until("stats", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeStats && e.Stats.FPS > 0 })

	// Input is not sent without control; with control it reaches the sharer.
	pg.send(wire.BridgeRequest{Type: wire.BridgeRequestControl})
	sh.expect(wire.TypeControlRequest)
	if st := pg.state(wire.UIStateLive); st.Control != wire.ControlRequested {
		t.Errorf("control after request = %q, want requested", st.Control)
	}
	sh.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateGranted})
	pg.until("control granted", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.Control == wire.ControlGranted
	})
	// The data channels open a moment after the video; what the page sends
	// before that is dropped, so send until it arrives.
	if d := sh.sendUntilData(wire.ChannelInput, func() {
		pg.send(wire.BridgeRequest{Type: wire.BridgeInput, Input: &wire.InputEvent{T: wire.InputKeyDown, Code: "KeyQ"}})
	}); !strings.Contains(d, `"KeyQ"`) {
		t.Errorf("sharer input = %s", d)
	}
	sh.sendUntilData(wire.ChannelAnnotate, func() {
		pg.send(wire.BridgeRequest{Type: wire.BridgeAnnotate, Annotation: &wire.Annotation{T: wire.AnnotateLaser, X: 0.5, Y: 0.5}})
	})

	sh.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateRevoked})
	n := pg.until("revoked notice", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeNotice })
	if n.Reason != wire.ReasonControlRevoked {
		t.Errorf("notice reason %q, want %q", n.Reason, wire.ReasonControlRevoked)
	}

	// Asking again too soon after a refusal: the page is told how long to wait.
	pg.send(wire.BridgeRequest{Type: wire.BridgeRequestControl})
	sh.expect(wire.TypeControlRequest)
	sh.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateDenied, Reason: wire.ReasonControlWait, RetryAfter: 10})
	w := pg.until("wait notice", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeNotice })
	if w.Reason != wire.ReasonControlWait || w.RetryAfter != 10 {
		t.Errorf("notice %q retryAfter %d, want %q 10", w.Reason, w.RetryAfter, wire.ReasonControlWait)
	}

	// A Windows prompt on the sharer's side: the page is told why.
	sh.send(wire.Envelope{Type: wire.TypePause, Reason: wire.ReasonSecureDesktop})
	pg.until("paused by a Windows prompt", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.Paused && e.Status.PauseReason == wire.ReasonSecureDesktop
	})
	sh.send(wire.Envelope{Type: wire.TypeResume})
	pg.until("resumed", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && !e.Status.Paused && e.Status.PauseReason == ""
	})
	sh.send(wire.Envelope{Type: wire.TypePause})
	pg.until("paused", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.Paused && e.Status.PauseReason == ""
	})

	sh.send(wire.Envelope{Type: wire.TypeEnd, Reason: wire.ReasonSharerEnded})
	if st := pg.state(wire.UIStateEnded); st.Reason != wire.ReasonSharerEnded || st.SAS != "" {
		t.Errorf("ended reason %q, SAS %q; want %q and no code", st.Reason, st.SAS, wire.ReasonSharerEnded)
	}
	pg.send(wire.BridgeRequest{Type: wire.BridgeReset})
	pg.state(wire.UIStateHome)
}

func TestConsoleSharerDenies(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	br, base := startConsole(t, env.URL)
	pg := openPage(t, ctx, br, base)
	code := pg.signInAndCreateCode(env)
	sh := joinAsSharer(t, ctx, env.URL, code)
	pg.state(wire.UIStateAwaitingConsent)
	sh.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateDenied})
	if st := pg.state(wire.UIStateEnded); st.Reason != wire.ReasonSharerDenied {
		t.Errorf("ended reason %q, want %q", st.Reason, wire.ReasonSharerDenied)
	}
}

func TestConsoleCancelCode(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	br, base := startConsole(t, env.URL)
	pg := openPage(t, ctx, br, base)
	code := pg.signInAndCreateCode(env)
	pg.state(wire.UIStateWaitingSharer)
	pg.send(wire.BridgeRequest{Type: wire.BridgeCancel})
	pg.state(wire.UIStateHome)

	// The service records the cancellation (the call is asynchronous), and
	// the code no longer works.
	deadline := time.Now().Add(10 * time.Second)
	for {
		recs, err := env.Store.SessionRecords(ctx, env.Org.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 1 && recs[0].EndedAt != nil {
			if recs[0].EndReason != wire.ReasonCancelled {
				t.Errorf("end reason %q, want %q", recs[0].EndReason, wire.ReasonCancelled)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service never recorded the cancellation: %+v", recs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cl, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Join(ctx, code); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("Join(cancelled code) error = %v, want ErrNotFound", err)
	}

	// A page reconnecting mid-way gets the current state at once.
	pg2 := openPage(t, ctx, br, base)
	pg2.state(wire.UIStateHome)
}

func TestConsoleSharerDropsThenTimesOut(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	br, base := startConsoleWith(t, env.URL, 2*time.Second)
	pg := openPage(t, ctx, br, base)
	code := pg.signInAndCreateCode(env)
	sh := joinAsSharer(t, ctx, env.URL, code)
	pg.state(wire.UIStateAwaitingConsent)
	sh.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted})
	if err := sh.peer.Start(ctx); err != nil {
		t.Fatal(err)
	}
	pg.state(wire.UIStateLive)

	// The sharer vanishes without ending: the page shows a countdown, then
	// gives up when it runs out.
	_ = sh.peer.Close()
	_ = sh.sess.Close()
	st := pg.state(wire.UIStateReconnecting)
	if st.ReconnectUntil <= time.Now().UnixMilli() || st.Control != wire.ControlNone {
		t.Errorf("reconnecting status %+v: want a future deadline and no control", st)
	}
	if st := pg.state(wire.UIStateEnded); st.Reason != wire.ReasonTimeout {
		t.Errorf("ended reason %q, want %q", st.Reason, wire.ReasonTimeout)
	}
}
