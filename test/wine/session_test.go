package wine_test

import (
	"context"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/daemon/encode"
	"github.com/quickhelp/quickhelp/internal/syncbuf"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/signaling/turn"
	"github.com/quickhelp/quickhelp/wire"
)

// A session with the real Windows daemon under wine: it joins a real
// service's session, offers nothing before the sharer allows (through its
// pipe, with the CLI), then streams wine's desktop (GDI capture, VP8) to the
// helper's viewer, where a Windows test window's four colours are seen in
// their quadrants. Clicks and keys reach that window only after
// allow-control, a click within 2 px of where the helper clicked and a key
// by its scan code, and nothing more after revoke-control; pause stops the
// frames and resume brings them back. The daemon captures with GDI (wine's
// Desktop Duplication is a stub) and sends the cursor's image; with control
// the Task Manager quick action starts taskmgr.exe. Go opens no UDP
// socket under wine 8 (docs/windows.md), so the daemon's only path is the
// service's TURN relay over TCP.
func TestWineSharerSession(t *testing.T) {
	p := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	relay, err := turn.New(turn.Config{ListenUDP: "127.0.0.1:0", ListenTCP: "127.0.0.1:0", DevMode: true,
		Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	env := servertest.StartWith(t, func(c *server.Config) { c.ICE = relay })

	api, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	created := env.CreateSession(t, env.HelperToken(t))
	sess, err := api.Connect(ctx, created.SessionID, created.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	h := &helperEnd{}
	h.v, err = viewer.New(viewer.Config{
		Signal:   func(e wire.Envelope) error { return sess.Send(ctx, e) },
		OnFrame:  h.onFrame,
		OnCursor: h.onCursor,
		// The relay is on 127.0.0.1: loopback candidates, UDP, no mDNS.
		SettingEngine: func(se *webrtc.SettingEngine) {
			se.SetIncludeLoopbackCandidate(true)
			se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
			se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.v.Close()
	go func() {
		for ev := range sess.Events() {
			if ev.Kind != client.EventMessage {
				continue
			}
			h.mu.Lock()
			h.envs = append(h.envs, ev.Envelope)
			h.mu.Unlock()
			switch ev.Envelope.Type {
			case wire.TypeOffer, wire.TypeCandidate:
				h.v.HandleSignal(ctx, ev.Envelope)
			}
		}
	}()

	// A window of four known colours over the whole screen.
	pattern := exec.CommandContext(ctx, p.wine, p.patternExe)
	pattern.WaitDelay = 2 * time.Second
	patternOut := &syncbuf.Buffer{}
	pattern.Stdout = patternOut
	if err := pattern.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { pattern.Process.Kill(); pattern.Wait() }()
	// With scaling set (QUICKHELP_WINE_DPI, LogPixels in the prefix), the
	// programs see it.
	eventually(t, "the pattern window", 30*time.Second, func() bool { return len(patternOut.Lines("pattern window")) > 0 })
	t.Logf("%s", patternOut.Lines("pattern window")[0])
	if !strings.Contains(patternOut.Lines("pattern window")[0], " awareness 2 ") {
		t.Fatalf("the test window is not per-monitor DPI aware: %s", patternOut.Lines("pattern window")[0])
	}
	if dpi := os.Getenv("QUICKHELP_WINE_DPI"); dpi != "" && !strings.HasSuffix(patternOut.Lines("pattern window")[0], " dpi "+dpi) {
		t.Fatalf("the system DPI is not %s: %s", dpi, patternOut.Lines("pattern window")[0])
	}

	out := &syncbuf.Buffer{}
	join := p.sharer(ctx, "--server", env.URL, "--consent", "local", "join", created.Code)
	join.Stdout, join.Stderr = out, out
	if err := join.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = p.sharer(context.Background(), "stop").Run()
		done := make(chan struct{})
		go func() { join.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			join.Process.Kill()
			<-done
		}
		t.Logf("quickhelp-sharer.exe join:\n%s", out.String())
	}()

	// The daemon answers on its pipe and waits for the sharer's answer.
	eventually(t, "the daemon to ask for consent", time.Minute, func() bool {
		b, err := p.sharer(ctx, "status").CombinedOutput()
		return err == nil && strings.Contains(strings.ToLower(string(b)), "allow")
	})
	time.Sleep(time.Second)
	if n := h.count(wire.TypeOffer); n != 0 {
		t.Fatalf("the daemon offered %d times before Allow (helper saw: %s)", n, h.types())
	}
	// The daemon is per-monitor DPI aware (v2 on Windows; wine 8 knows only
	// v1, and starts every program so).
	if !out.Contains("dpi awareness") || !out.Contains("mode=per-monitor") {
		t.Fatalf("the daemon did not report per-monitor DPI awareness:\n%s", out.String())
	}

	if b, err := p.sharer(ctx, "allow").CombinedOutput(); err != nil {
		t.Fatalf("quickhelp-sharer.exe allow: %v\n%s", err, b)
	}
	eventually(t, "the consent and an offer after Allow", time.Minute, func() bool {
		return h.count(wire.TypeConsent) > 0 && h.count(wire.TypeOffer) > 0
	})
	eventually(t, "a keyframe at the helper's viewer", time.Minute, func() bool {
		_, keys := h.keyframes()
		return keys > 0
	})
	frames, keys := h.keyframes()
	t.Logf("the helper received %d frames (%d keyframes)", frames, keys)
	checkGDICapture(t, out, h)

	// The picture is wine's desktop: the size of the Xvfb screen it draws on.
	dec, err := encode.NewVP8Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	h.mu.Lock()
	first := h.frames[0]
	h.mu.Unlock()
	img, err := dec.Decode(first.Data)
	if err != nil {
		t.Fatalf("decode the first frame: %v", err)
	}
	if got := fmt.Sprintf("%dx%d", img.Rect.Dx(), img.Rect.Dy()); got != p.screen {
		t.Fatalf("first frame is %s, want the wine desktop's %s", got, p.screen)
	}
	// The pattern window's quadrants, sampled at their centres.
	wd, ht := img.Rect.Dx(), img.Rect.Dy()
	for _, q := range []struct {
		name    string
		x, y    int
		r, g, b uint8
	}{
		{"top left (red)", wd / 4, ht / 4, 255, 0, 0},
		{"top right (green)", 3 * wd / 4, ht / 4, 0, 255, 0},
		{"bottom left (blue)", wd / 4, 3 * ht / 4, 0, 0, 255},
		{"bottom right (white)", 3 * wd / 4, 3 * ht / 4, 255, 255, 255},
	} {
		r, g, b := color.YCbCrToRGB(img.YCbCrAt(q.x, q.y).Y, img.YCbCrAt(q.x, q.y).Cb, img.YCbCrAt(q.x, q.y).Cr)
		if !near(r, q.r) || !near(g, q.g) || !near(b, q.b) {
			t.Errorf("%s at (%d,%d) = rgb(%d,%d,%d), want rgb(%d,%d,%d)", q.name, q.x, q.y, r, g, b, q.r, q.g, q.b)
		}
	}

	// Control: nothing reaches the window before the sharer allows it.
	click := func(x, y float64) {
		h.v.SendInput(wire.InputEvent{T: wire.InputMove, X: x, Y: y})
		h.v.SendInput(wire.InputEvent{T: wire.InputButtonDown, Button: wire.ButtonLeft, X: x, Y: y})
		h.v.SendInput(wire.InputEvent{T: wire.InputButtonUp, Button: wire.ButtonLeft, X: x, Y: y})
	}
	eventually(t, "the input channel", 30*time.Second, func() bool {
		return h.v.SendInput(wire.InputEvent{T: wire.InputMove, X: 0.5, Y: 0.5}) == nil
	})
	click(0.25, 0.25)
	time.Sleep(1500 * time.Millisecond)
	if got := patternOut.Lines("lbuttondown"); len(got) != 0 {
		t.Fatalf("clicks reached the window before control was allowed: %q", got)
	}
	if err := sess.Send(ctx, wire.Envelope{Type: wire.TypeControlRequest}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "allow-control to be accepted", 30*time.Second, func() bool {
		return p.sharer(ctx, "allow-control").Run() == nil
	})
	// A click at (25 %, 25 %) of the 1280x800 screen lands at (320, 200).
	eventually(t, "a click in the window", 30*time.Second, func() bool {
		click(0.25, 0.25)
		time.Sleep(300 * time.Millisecond)
		return len(patternOut.Lines("lbuttondown")) > 0
	})
	var x, y int
	if _, err := fmt.Sscanf(patternOut.Lines("lbuttondown")[0], "lbuttondown %d %d", &x, &y); err != nil {
		t.Fatal(err)
	}
	wantX, wantY := wd/4, ht/4
	t.Logf("the click landed at (%d,%d) in the window", x, y)
	if x < wantX-2 || x > wantX+2 || y < wantY-2 || y > wantY+2 {
		t.Errorf("the click landed at (%d,%d), want (%d,%d) within 2 px", x, y, wantX, wantY)
	}
	// KeyA is scan code 0x1E whatever the layout.
	eventually(t, "a key in the window", 30*time.Second, func() bool {
		h.v.SendInput(wire.InputEvent{T: wire.InputKeyDown, Code: "KeyA"})
		h.v.SendInput(wire.InputEvent{T: wire.InputKeyUp, Code: "KeyA"})
		time.Sleep(300 * time.Millisecond)
		return len(patternOut.Lines("keydown")) > 0
	})
	if got := patternOut.Lines("keydown")[0]; got != "keydown scancode=30" {
		t.Errorf("KeyA arrived as %q, want scan code 30 (0x1E)", got)
	}

	checkTaskManager(ctx, t, sess, h)

	// After a revoke nothing more arrives.
	if b, err := p.sharer(ctx, "revoke-control").CombinedOutput(); err != nil {
		t.Fatalf("quickhelp-sharer.exe revoke-control: %v\n%s", err, b)
	}
	time.Sleep(500 * time.Millisecond)
	clicks, keys := len(patternOut.Lines("lbuttondown")), len(patternOut.Lines("keydown"))
	for i := 0; i < 5; i++ {
		click(0.75, 0.75)
		h.v.SendInput(wire.InputEvent{T: wire.InputKeyDown, Code: "KeyB"})
		h.v.SendInput(wire.InputEvent{T: wire.InputKeyUp, Code: "KeyB"})
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if c, k := len(patternOut.Lines("lbuttondown")), len(patternOut.Lines("keydown")); c != clicks || k != keys {
		t.Errorf("after revoke-control the window got %d more clicks and %d more keys", c-clicks, k-keys)
	}

	// Pause stops the frames (the test window keeps changing), resume
	// brings them back.
	eventually(t, "frames of the changing window", 30*time.Second, func() bool {
		n, _ := h.keyframes()
		time.Sleep(500 * time.Millisecond)
		m, _ := h.keyframes()
		return m > n
	})
	if b, err := p.sharer(ctx, "pause").CombinedOutput(); err != nil {
		t.Fatalf("quickhelp-sharer.exe pause: %v\n%s", err, b)
	}
	time.Sleep(time.Second) // frames already on their way
	paused, _ := h.keyframes()
	time.Sleep(2 * time.Second)
	if n, _ := h.keyframes(); n != paused {
		t.Errorf("%d frames arrived in the 2 s after pause", n-paused)
	}
	if b, err := p.sharer(ctx, "resume").CombinedOutput(); err != nil {
		t.Fatalf("quickhelp-sharer.exe resume: %v\n%s", err, b)
	}
	eventually(t, "frames after resume", 30*time.Second, func() bool {
		n, _ := h.keyframes()
		return n > paused
	})
}
