//go:build linux

package integration_test

import (
	"context"
	"image"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/daemon/encode"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// Display numbers reserved for this package's tests.
const e2eDisplay = 100

// helperSide is the helper's end: the session socket plus a Go viewer.
type helperSide struct {
	sess *client.Session
	v    *viewer.Viewer

	mu       sync.Mutex
	frames   []wire.Frame
	cursors  []wire.Cursor
	envs     []wire.Envelope
	ended    string
	newFrame chan struct{}
}

func (h *helperSide) run(ctx context.Context) {
	for ev := range h.sess.Events() {
		if ev.Kind == client.EventClosed {
			h.mu.Lock()
			if h.ended == "" {
				h.ended = "closed:" + string(ev.Reason)
			}
			h.mu.Unlock()
			return
		}
		if ev.Kind != client.EventMessage {
			continue
		}
		env := ev.Envelope
		h.mu.Lock()
		h.envs = append(h.envs, env)
		if env.Type == wire.TypeSessionEnded {
			h.ended = string(env.Reason)
		}
		h.mu.Unlock()
		switch env.Type {
		case wire.TypeOffer, wire.TypeCandidate:
			h.v.HandleSignal(context.Background(), env) // a refused signal shows up as missing frames
		}
	}
}

func (h *helperSide) onFrame(f wire.Frame) {
	f.Data = append([]byte(nil), f.Data...)
	h.mu.Lock()
	h.frames = append(h.frames, f)
	h.mu.Unlock()
	select {
	case h.newFrame <- struct{}{}:
	default:
	}
}

func (h *helperSide) onCursor(c wire.Cursor) {
	h.mu.Lock()
	h.cursors = append(h.cursors, c)
	h.mu.Unlock()
}

// sawCursor reports whether a cursor message matching ok arrived.
func (h *helperSide) sawCursor(ok func(wire.Cursor) bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.cursors {
		if ok(c) {
			return true
		}
	}
	return false
}

func (h *helperSide) frameCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.frames)
}

func (h *helperSide) sawType(typ, state string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.envs {
		if e.Type == typ && (state == "" || e.State == state) {
			return true
		}
	}
	return false
}

// sawSharer reports that the service told the helper the sharer is there:
// a peer-joined message, or a hello saying so when the helper's socket was
// attached after the sharer's (Connect returns before the hello).
func (h *helperSide) sawSharer() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.envs {
		if e.Type == wire.TypePeerJoined || e.Type == wire.TypeHello && e.Peer {
			return true
		}
	}
	return false
}

func mouseLocation(t *testing.T, display string) string {
	t.Helper()
	cmd := exec.Command("xdotool", "getmouselocation")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xdotool getmouselocation: %v", err)
	}
	f := strings.Fields(string(out)) // x:480 y:540 screen:0 window:...
	return f[0] + " " + f[1]
}

// keyDown reports whether X keycode kc is held according to the server.
func keyDown(t *testing.T, c *xgb.Conn, kc byte) bool {
	t.Helper()
	r, err := xproto.QueryKeymap(c).Reply()
	if err != nil {
		t.Fatalf("QueryKeymap: %v", err)
	}
	return r.Keys[kc/8]&(1<<(kc%8)) != 0
}

// rootPixel reads one pixel of the screen as 0xRRGGBB.
func rootPixel(t *testing.T, c *xgb.Conn, x, y int) uint32 {
	t.Helper()
	root := xproto.Setup(c).DefaultScreen(c).Root
	r, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(root), int16(x), int16(y), 1, 1, 0xffffffff).Reply()
	if err != nil || len(r.Data) < 3 {
		t.Fatalf("GetImage: %v", err)
	}
	return uint32(r.Data[2])<<16 | uint32(r.Data[1])<<8 | uint32(r.Data[0])
}

// pattern paints four large quadrants that survive lossy coding.
var quadrants = []struct {
	x, y int
	rgb  uint32
}{
	{0, 0, 0xff0000}, {960, 0, 0x00ff00}, {0, 540, 0x0000ff}, {960, 540, 0xffffff},
}

func checkPattern(t *testing.T, img *image.YCbCr) {
	t.Helper()
	if b := img.Bounds(); b.Dx() != 1920 || b.Dy() != 1080 {
		t.Fatalf("decoded frame is %v, want 1920x1080", b)
	}
	for _, q := range quadrants {
		checkColour(t, img, q.x+480, q.y+270, q.rgb) // centre of the quadrant
	}
}

// decodeFrom decodes frames from the last keyframe on and returns the
// last picture.
func decodeFrom(t *testing.T, frames []wire.Frame) *image.YCbCr {
	t.Helper()
	start := -1
	for i, f := range frames {
		if f.Keyframe {
			start = i
		}
	}
	if start < 0 {
		t.Fatal("no keyframe among the frames")
	}
	dec, err := encode.NewVP8Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var img *image.YCbCr
	for i, f := range frames[start:] {
		if img, err = dec.Decode(f.Data); err != nil {
			t.Fatalf("frame %d after the keyframe: %v", i, err)
		}
	}
	return img
}

// checkColour checks the decoded picture's pixel at (x, y) against rgb,
// within the codec's error.
func checkColour(t *testing.T, img *image.YCbCr, x, y int, rgb uint32) {
	t.Helper()
	r, g, b, _ := img.At(x, y).RGBA()
	want := [3]uint32{rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff}
	got := [3]uint32{r >> 8, g >> 8, b >> 8}
	for i := range want {
		if d := int(got[i]) - int(want[i]); d < -40 || d > 40 {
			t.Errorf("pixel (%d,%d) = %v, want about %v", x, y, got, want)
			return
		}
	}
}

// newHelper creates a session as the signed-in helper and connects its
// socket and viewer.
func newHelper(ctx context.Context, t testing.TB, api *client.Client, token string) (*helperSide, string) {
	return newHelperICE(ctx, t, api, token, loopbackICE)
}

// newHelperICE is newHelper with the viewer's setting engine adjusted by ice.
func newHelperICE(ctx context.Context, t testing.TB, api *client.Client, token string, ice func(*webrtc.SettingEngine)) (*helperSide, string) {
	t.Helper()
	created, err := api.CreateSession(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	return connectHelperICE(ctx, t, api, created.SessionID, created.Token, ice), created.Code
}

// connectHelper connects the helper's socket and a fresh viewer to an
// existing session (a first connection or a reconnect with the same token).
func connectHelper(ctx context.Context, t testing.TB, api *client.Client, id, token string) *helperSide {
	t.Helper()
	return connectHelperICE(ctx, t, api, id, token, loopbackICE)
}

// connectHelperICE is connectHelper with the viewer's setting engine
// adjusted by ice.
func connectHelperICE(ctx context.Context, t testing.TB, api *client.Client, id, token string, ice func(*webrtc.SettingEngine)) *helperSide {
	t.Helper()
	hsess, err := api.Connect(ctx, id, token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := &helperSide{sess: hsess, newFrame: make(chan struct{}, 1)}
	h.v, err = viewer.New(viewer.Config{
		Signal:        func(e wire.Envelope) error { return hsess.Send(ctx, e) },
		OnFrame:       h.onFrame,
		OnCursor:      h.onCursor,
		SettingEngine: ice,
	})
	if err != nil {
		t.Fatal(err)
	}
	go h.run(ctx)
	return h
}

func (h *helperSide) close() {
	h.v.Close()
	h.sess.Close()
}

func TestSharerEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	x := startScreen(t, ctx, 1920, 1080)
	painter, err := xvfb.NewPainter(x.Display)
	if err != nil {
		t.Fatal(err)
	}
	defer painter.Close()
	for _, q := range quadrants {
		if err := painter.Fill(q.x, q.y, 960, 540, q.rgb); err != nil {
			t.Fatal(err)
		}
	}
	xc, err := x11.Dial(x.Display)
	if err != nil {
		t.Fatal(err)
	}
	defer xc.Close()

	env := servertest.Start(t)
	api, token := signInHelper(t, ctx, env)
	h, code := newHelper(ctx, t, api, token)
	defer h.close()
	hsess := h.sess

	// The sharer: the daemon behind its local socket, driven like the CLI.
	d, err := sharer.New(sharer.Config{ServerURL: env.URL, Display: x.Display, PeerSettings: loopbackICE})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	local, do := serveLocal(t, ctx, d)

	if err := d.Join(ctx, strings.ToLower(strings.ReplaceAll(code, "-", " ")), ""); err != nil {
		t.Fatalf("join: %v", err)
	}
	st := do(wire.LocalStatus)
	if st.Helper == nil || st.Helper.DisplayName == "" || st.State != wire.SharerAwaitingConsent {
		t.Fatalf("status after join = %+v, want awaiting consent with the helper's name", st)
	}
	eventually(t, "helper sees the sharer join", 10*time.Second, h.sawSharer)

	// Before allow: no offer, no frame, nothing captured.
	time.Sleep(1500 * time.Millisecond)
	if h.sawType(wire.TypeOffer, "") || h.frameCount() != 0 {
		t.Fatalf("before allow: offer seen=%v, frames=%d; want none", h.sawType(wire.TypeOffer, ""), h.frameCount())
	}

	allowedAt := time.Now()
	do(wire.LocalAllow)
	eventually(t, "the first frame", 20*time.Second, func() bool { return h.frameCount() > 0 })
	t.Logf("allow → first frame: %v", time.Since(allowedAt))
	if !h.sawType(wire.TypeConsent, wire.StateGranted) {
		t.Error("helper did not get consent granted")
	}
	// The status carries the security code, the same the helper computes.
	eventually(t, "the security code in the status", 10*time.Second, func() bool { return do(wire.LocalStatus).SAS != "" })
	eventually(t, "the security code at the helper", 10*time.Second, func() bool { return h.v.SAS() != "" })
	if st := do(wire.LocalStatus); !st.Connected || st.SAS != h.v.SAS() {
		t.Errorf("status connected %v, SAS %q; want connected with the helper's %q", st.Connected, st.SAS, h.v.SAS())
	}
	h.mu.Lock()
	first := h.frames[0]
	h.mu.Unlock()
	if !first.Keyframe {
		t.Fatal("the first frame is not a keyframe")
	}
	dec, err := encode.NewVP8Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	img, err := dec.Decode(first.Data)
	if err != nil {
		t.Fatal(err)
	}
	checkPattern(t, img)
	// One keyframe starts the session: nothing is encoded before the
	// connection is up (a frame encoded earlier waited in the send queue
	// and a second keyframe followed it when the connection came up).
	time.Sleep(time.Second)
	h.mu.Lock()
	keys := 0
	for _, f := range h.frames {
		if f.Keyframe {
			keys++
		}
	}
	h.mu.Unlock()
	if keys != 1 {
		t.Errorf("%d keyframes in the first second of a still screen; want 1", keys)
	}

	// Input before control is allowed changes nothing.
	move := exec.Command("xdotool", "mousemove", "10", "10")
	move.Env = append(os.Environ(), "DISPLAY="+x.Display)
	if out, err := move.CombinedOutput(); err != nil {
		t.Fatalf("xdotool mousemove: %v %s", err, out)
	}
	before := mouseLocation(t, x.Display)
	// The sharer's pointer reaches the helper on the cursor channel: its
	// shape, and its position normalised to the shared monitor.
	eventually(t, "the cursor shape", 10*time.Second, func() bool {
		return h.sawCursor(func(c wire.Cursor) bool { return c.T == wire.CursorShape && len(c.PNG) > 0 })
	})
	eventually(t, "the cursor position", 10*time.Second, func() bool {
		return h.sawCursor(func(c wire.Cursor) bool {
			return c.T == wire.CursorPosition && c.Visible && c.X > 0.004 && c.X < 0.006 && c.Y > 0.008 && c.Y < 0.011
		})
	})
	eventually(t, "input channel open", 10*time.Second, func() bool {
		return h.v.SendInput(wire.InputEvent{T: wire.InputMove, X: 0.25, Y: 0.5}) == nil
	})
	for i := 0; i < 20; i++ {
		h.v.SendInput(wire.InputEvent{T: wire.InputMove, X: 0.25, Y: 0.5})
		h.v.SendInput(wire.InputEvent{T: wire.InputKeyDown, Code: "KeyA"})
	}
	time.Sleep(500 * time.Millisecond)
	if got := mouseLocation(t, x.Display); got != before {
		t.Fatalf("pointer moved to %s before control was allowed (was %s)", got, before)
	}
	const keycodeA = 38 // evdev KEY_A (30) + 8
	if keyDown(t, xc, keycodeA) {
		t.Fatal("KeyA is down before control was allowed")
	}

	// The helper asks; the sharer allows; input lands.
	if err := hsess.Send(ctx, wire.Envelope{Type: wire.TypeControlRequest}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "control requested", 10*time.Second, func() bool { return do(wire.LocalStatus).Control == wire.ControlRequested })
	do(wire.LocalAllowControl)
	eventually(t, "helper sees control granted", 10*time.Second, func() bool { return h.sawType(wire.TypeControl, wire.StateGranted) })
	eventually(t, "pointer at (480,540)", 10*time.Second, func() bool {
		h.v.SendInput(wire.InputEvent{T: wire.InputMove, X: 0.25, Y: 0.5})
		return mouseLocation(t, x.Display) == "x:480 y:540"
	})
	h.v.SendInput(wire.InputEvent{T: wire.InputKeyDown, Code: "KeyA"})
	eventually(t, "KeyA held", 10*time.Second, func() bool { return keyDown(t, xc, keycodeA) })

	// Revoke: the held key is released at once and nothing more is injected.
	do(wire.LocalRevokeControl)
	if keyDown(t, xc, keycodeA) {
		t.Error("KeyA still held after revoke")
	}
	eventually(t, "helper sees control revoked", 10*time.Second, func() bool { return h.sawType(wire.TypeControl, wire.StateRevoked) })
	// Pointer moves travel unreliably (no retransmits), so on a busy machine
	// some are lost on the way: most of what the viewer took must reach the
	// gate and be dropped there, and none may move the pointer.
	sent := 0
	for i := 0; i < 1000; i++ {
		if h.v.SendInput(wire.InputEvent{T: wire.InputMove, X: 0.9, Y: 0.9}) == nil {
			sent++
		}
	}
	h.v.SendInput(wire.InputEvent{T: wire.InputKeyDown, Code: "KeyA"})
	time.Sleep(time.Second)
	if got := mouseLocation(t, x.Display); got != "x:480 y:540" {
		t.Errorf("pointer moved to %s after revoke", got)
	}
	if keyDown(t, xc, keycodeA) {
		t.Error("KeyA pressed after revoke")
	}
	if sent < 100 {
		t.Errorf("the viewer took %d of 1,000 pointer moves, want most", sent)
	}
	if st := do(wire.LocalStatus); st.Dropped < uint64(sent/2) {
		t.Errorf("dropped = %d after %d events sent with control revoked, want ≥ %d", st.Dropped, sent, sent/2)
	}

	// Annotations from the helper appear on the sharer's real screen (view-only too).
	stroke := wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.1, Y: 0.1}, {X: 0.4, Y: 0.1}}, Done: true}
	if err := h.v.SendAnnotation(stroke); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stroke on screen", 10*time.Second, func() bool { return rootPixel(t, xc, 480, 108) == 0xff00ff })
	if got := rootPixel(t, xc, 480, 300); got != 0xff0000 {
		t.Errorf("pixel away from the stroke = %06x, want the red quadrant", got)
	}
	h.v.SendAnnotation(wire.Annotation{T: wire.AnnotateClear})
	// The root window has no backing store, so the cleared area shows the
	// root background rather than the painted quadrant: check the colour left.
	eventually(t, "the stroke cleared", 10*time.Second, func() bool { return rootPixel(t, xc, 480, 108) != 0xff00ff })

	// Pause stops frames even while the screen changes. Resume goes on from
	// the picture the helper kept: what changed during the pause comes as
	// delta frames, no keyframe (a keyframe at the current rate is a
	// blurry whole picture).
	do(wire.LocalPause)
	eventually(t, "helper sees pause", 10*time.Second, func() bool { return h.sawType(wire.TypePause, "") })
	time.Sleep(300 * time.Millisecond)
	paused := h.frameCount()
	for i := 0; i < 10; i++ {
		painter.Fill(100+i*50, 100, 40, 40, 0x123456)
		time.Sleep(100 * time.Millisecond)
	}
	if n := h.frameCount(); n != paused {
		t.Errorf("%d frames arrived while paused", n-paused)
	}
	do(wire.LocalResume)
	eventually(t, "a frame after resume", 20*time.Second, func() bool { return h.frameCount() > paused })
	time.Sleep(time.Second) // and its refinement
	h.mu.Lock()
	frames := append([]wire.Frame(nil), h.frames...)
	h.mu.Unlock()
	for _, f := range frames[paused:] {
		if f.Keyframe {
			t.Error("a keyframe after resume; want only what changed")
			break
		}
	}
	// Every frame since the session's keyframe decodes into the screen as
	// it is now, the squares painted during the pause included.
	picture := decodeFrom(t, frames)
	for i := 0; i < 10; i++ {
		checkColour(t, picture, 120+i*50, 120, 0x123456)
	}
	checkColour(t, picture, 480, 300, 0xff0000)

	// Stop ends the session on both sides.
	do(wire.LocalStop)
	eventually(t, "helper sees the session end", 10*time.Second, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.ended != ""
	})
	eventually(t, "daemon idle", 10*time.Second, func() bool { return do(wire.LocalStatus).State == wire.SharerEnded })
	if st := do(wire.LocalStatus); st.SAS != "" {
		t.Errorf("ended status SAS = %q, want none", st.SAS)
	}

	// The sharer can still report the session after it ended, once.
	resp, err := local.Call(ctx, wire.LocalRequest{Cmd: wire.LocalReport, Comment: "asked me to install something"})
	if err != nil || !resp.OK {
		t.Fatalf("report after the end: %v %q", err, resp.Error)
	}
	if resp, _ := local.Call(ctx, wire.LocalRequest{Cmd: wire.LocalReport}); resp.OK || resp.Reason != wire.ReasonNoSession {
		t.Errorf("second report = %+v, want refused with %q", resp, wire.ReasonNoSession)
	}
	admin, err := api.Login(ctx, env.AdminEmail, env.AdminPassword)
	if err != nil {
		t.Fatal(err)
	}
	reports, err := api.AdminReports(ctx, admin.Token)
	if err != nil || len(reports) != 1 || reports[0].Comment != "asked me to install something" {
		t.Errorf("admin reports = %+v, %v; want the one report", reports, err)
	}
}
