//go:build linux

package capture

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb/xfixes"

	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/wire"
)

// testDisplay is this package's reserved Xvfb display number.
const testDisplay = 90

// One Xvfb is shared by the package's tests and stopped by TestMain.
var (
	serverOnce sync.Once
	server     *xvfb.Server
	serverErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if server != nil {
		server.Close()
	}
	os.Exit(code)
}

// xserver returns the shared 1920x1080 Xvfb, skipping when Xvfb is absent.
func xserver(t testing.TB) *xvfb.Server {
	t.Helper()
	serverOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		server, serverErr = xvfb.Start(ctx, testDisplay, 1920, 1080)
	})
	if errors.Is(serverErr, xvfb.ErrNotInstalled) {
		t.Skip("Xvfb is not installed; install the xvfb package to run X11 capture tests")
	}
	if serverErr != nil {
		t.Fatalf("start Xvfb: %v", serverErr)
	}
	return server
}

func painter(t testing.TB, srv *xvfb.Server) *xvfb.Painter {
	t.Helper()
	p, err := xvfb.NewPainter(srv.Display)
	if err != nil {
		t.Fatalf("NewPainter: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

func newSource(t testing.TB, srv *xvfb.Server, cfg Config) Source {
	t.Helper()
	cfg.Display = srv.Display
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed", name)
	}
}

// moveMouse moves the pointer with xdotool and waits until XFixes reports
// the new position (--sync is not used: it waits forever when the pointer
// is already there).
func moveMouse(t testing.TB, srv *xvfb.Server, s Source, x, y int) wire.Cursor {
	t.Helper()
	needTool(t, "xdotool")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y))
	cmd.Env = append(os.Environ(), "DISPLAY="+srv.Display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool mousemove %d %d: %v: %s", x, y, err, out)
	}
	xs := s.(*x11Source)
	for {
		r, err := xfixes.GetCursorImage(xs.conn).Reply()
		if err != nil {
			t.Fatalf("GetCursorImage: %v", err)
		}
		if int(r.X) == x && int(r.Y) == y {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pointer at (%d, %d), want (%d, %d)", r.X, r.Y, x, y)
		case <-time.After(10 * time.Millisecond):
		}
	}
	pos, _, err := s.Cursor()
	if err != nil {
		t.Fatalf("Cursor: %v", err)
	}
	return pos
}
