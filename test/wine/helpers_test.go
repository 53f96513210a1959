package wine_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/internal/syncbuf"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// winePrograms are set by scripts/wine-test.sh.
type winePrograms struct {
	wine, sharerExe string
	patternExe      string // test/wine/pattern, cross-built
	screen          string // the X screen wine's desktop draws on, WxH
}

func setup(t *testing.T) winePrograms {
	t.Helper()
	p := winePrograms{wine: os.Getenv("QUICKHELP_WINE"), sharerExe: os.Getenv("QUICKHELP_WINE_SHARER"),
		patternExe: os.Getenv("QUICKHELP_WINE_PATTERN"), screen: os.Getenv("QUICKHELP_WINE_SCREEN")}
	if p.wine == "" || p.sharerExe == "" || p.patternExe == "" || p.screen == "" || os.Getenv("WINEPREFIX") == "" {
		t.Skip("runs under scripts/wine-test.sh (make test-wine), which sets QUICKHELP_WINE, QUICKHELP_WINE_SHARER, " +
			"QUICKHELP_WINE_PATTERN, QUICKHELP_WINE_SCREEN and WINEPREFIX")
	}
	return p
}

// sharer runs quickhelp-sharer.exe under wine with args.
func (p winePrograms) sharer(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.wine, append([]string{p.sharerExe}, args...)...)
	// A wineserver or desktop process that wine starts on the way inherits
	// the output pipes and outlives the program: do not wait for them.
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// helperEnd is the helper's side: the session WebSocket and the app's
// viewer (the pion answerer of the desktop app), recording what arrives.
type helperEnd struct {
	v *viewer.Viewer

	mu     sync.Mutex
	envs   []wire.Envelope
	frames []wire.Frame
	shapes []wire.Cursor // cursor shapes
}

func (h *helperEnd) onCursor(c wire.Cursor) {
	if c.T != wire.CursorShape {
		return
	}
	h.mu.Lock()
	h.shapes = append(h.shapes, c)
	h.mu.Unlock()
}

func (h *helperEnd) cursorShapes() []wire.Cursor {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]wire.Cursor(nil), h.shapes...)
}

func (h *helperEnd) onFrame(f wire.Frame) {
	h.mu.Lock()
	h.frames = append(h.frames, wire.Frame{Keyframe: f.Keyframe, Seq: f.Seq, Data: append([]byte(nil), f.Data...)})
	h.mu.Unlock()
}

// keyframes counts the frames received and the keyframes among them.
func (h *helperEnd) keyframes() (frames, keys int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.frames {
		if f.Keyframe && len(f.Data) > 0 {
			keys++
		}
	}
	return len(h.frames), keys
}

func (h *helperEnd) count(typ string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.envs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func (h *helperEnd) types() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s []string
	for _, e := range h.envs {
		s = append(s, e.Type)
	}
	return strings.Join(s, " ")
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkGDICapture: wine's Desktop Duplication is a stub, so the daemon
// says it captures with GDI, and why; the cursor's image comes from
// GetCursorInfo/GetIconInfo.
func checkGDICapture(t *testing.T, out *syncbuf.Buffer, h *helperEnd) {
	t.Helper()
	if !regexp.MustCompile(`msg="capture method" .*method=gdi reason=`).MatchString(out.String()) {
		t.Fatalf("the daemon did not say it fell back to GDI capture:\n%s", out.String())
	}
	if out.Contains("method=desktop-duplication") {
		t.Fatalf("the daemon claims Desktop Duplication under wine:\n%s", out.String())
	}
	// The cursor's image comes from GetCursorInfo/GetIconInfo.
	eventually(t, "a cursor shape", 30*time.Second, func() bool { return len(h.cursorShapes()) > 0 })
	shape := h.cursorShapes()[0]
	cur, err := png.Decode(bytes.NewReader(shape.PNG))
	if err != nil {
		t.Fatalf("the cursor shape is no PNG: %v", err)
	}
	opaque := 0
	for y := range shape.H {
		for x := range shape.W {
			if _, _, _, a := cur.At(x, y).RGBA(); a > 0x8000 {
				opaque++
			}
		}
	}
	t.Logf("cursor shape %dx%d, hot spot (%d,%d), %d opaque pixels", shape.W, shape.H, shape.HotX, shape.HotY, opaque)
	if shape.W < 8 || shape.H < 8 || opaque < 10 || opaque == shape.W*shape.H {
		t.Errorf("the cursor shape %dx%d has %d opaque pixels; want a drawn pointer on a transparent ground", shape.W, shape.H, opaque)
	}
}

// checkTaskManager: with control the helper asks for the task manager and
// the daemon starts Windows' own (wine's taskmgr.exe).
func checkTaskManager(ctx context.Context, t *testing.T, sess *client.Session, h *helperEnd) {
	t.Helper()
	granted := h.last(wire.TypeControl)
	t.Logf("quick actions offered with control: %v", granted.Actions)
	// Restart is offered when the daemon's token holds SeShutdownPrivilege
	// (read with GetTokenInformation), as wine's tokens do.
	if !slices.Contains(granted.Actions, wire.ActionTaskManager) || !slices.Contains(granted.Actions, wire.ActionRestart) {
		t.Fatalf("control granted offers %v, want %q and %q", granted.Actions, wire.ActionTaskManager, wire.ActionRestart)
	}
	if n := len(taskManagers(t)); n != 0 {
		t.Fatalf("%d task managers run before the helper asked", n)
	}
	if err := sess.Send(ctx, wire.Envelope{Type: wire.TypeAction, Action: wire.ActionTaskManager}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the action's answer", 30*time.Second, func() bool { return h.last(wire.TypeAction).State != "" })
	if a := h.last(wire.TypeAction); a.Action != wire.ActionTaskManager || a.State != wire.ActionStarted {
		t.Fatalf("the daemon answered %+v, want %s %s", a, wire.ActionTaskManager, wire.ActionStarted)
	}
	eventually(t, "taskmgr.exe running", 30*time.Second, func() bool { return len(taskManagers(t)) == 1 })
}

// last is the latest envelope of type typ the helper got.
func (h *helperEnd) last(typ string) wire.Envelope {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.envs) - 1; i >= 0; i-- {
		if h.envs[i].Type == typ {
			return h.envs[i]
		}
	}
	return wire.Envelope{}
}

// taskManagers lists the processes of this wine prefix that run
// taskmgr.exe.
func taskManagers(t *testing.T) []int {
	t.Helper()
	prefix := "WINEPREFIX=" + os.Getenv("WINEPREFIX")
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil || !strings.Contains(strings.ToLower(string(cmdline)), `system32\taskmgr.exe`) {
			continue
		}
		environ, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err != nil || !slices.Contains(strings.Split(string(environ), "\x00"), prefix) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// near allows for VP8's lossy coding.
func near(got, want uint8) bool {
	d := int(got) - int(want)
	return d >= -40 && d <= 40
}
