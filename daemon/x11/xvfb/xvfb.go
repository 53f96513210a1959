//go:build linux

// Package xvfb starts a private Xvfb X server for tests and benchmarks and
// paints known content on it, so capture, input, overlay and hotkey code
// can be checked against a real X server instead of a fake.
//
// It sits next to daemon/x11 because it connects through it and serves
// the tests of every X11 package of the daemon, not only capture's. Like
// daemon/x11 it is not under an internal/ directory: tools outside daemon/
// (bench/video, test/e2e/xpattern) start and paint displays with it too.
//
// # Reserved display numbers
//
// `go test ./...` runs packages in parallel, so every package, Playwright
// suite and script that starts (or deliberately never starts) an X display
// owns fixed numbers, listed here and nowhere else. Numbers stay at :90 and
// above, clear of real desktops. TestReservedDisplays scans the sources
// for the numbers each owner uses and fails on a number used by two owners,
// on a number missing from this table, or on an owner listed here that
// no longer uses its numbers.
//
//	90, 94     daemon/capture (94 is never started)
//	91         daemon/x11/xvfb
//	92, 109    daemon/x11 (109 is never started)
//	93         daemon/encode
//	95–99      daemon/input
//	100–101    test/integration
//	104        bench/video (default of -display)
//	110–114    daemon/overlay (114 is never started)
//	115        test/netpath
//	121        test/e2e/helper-console.test.mjs
//	122        bench/latency/latency.mjs (default of -display)
//	123        test/e2e/prompt-window.test.mjs
//	126, 187   scripts/desktop-test.sh (defaults of DESKTOP_TEST_DISPLAY, DESKTOP_TEST_SHARER_DISPLAY)
//	130–131    test/e2e/sharer.test.mjs
//	135        test/e2e/chat.test.mjs
//	140–144    daemon/hotkey (143 is never started)
//	150        daemon/cmd/quickhelp-sharer
//	160        test/e2e/oidc.test.mjs
//	175        bench/compare/compare.mjs (default of -display)
//	165        test/e2e/admin.test.mjs
//	180        test/e2e/keyboard.test.mjs
//	181        app/keygrab
//	170        test/cluster
//	185        daemon/actions
//	186        test/e2e/quick-actions.test.mjs
//
// Not listed: scripts/run.sh takes the first free number from :57 up for a
// person's own session, and scripts/wine-test.sh lets Xvfb pick a free one
// (-displayfd); neither runs inside `go test`. daemon/shareable's test starts
// headless sway, whose XWayland takes the first free number from :0 up.
package xvfb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
)

// ErrNotInstalled is returned by Start when the Xvfb binary is missing;
// tests turn it into a skip.
var ErrNotInstalled = errors.New("xvfb: Xvfb binary not found")

// ErrInUse is returned by Start when another live server holds the
// display number.
var ErrInUse = errors.New("xvfb: display is already in use")

// Server is one running Xvfb process owned by the caller.
type Server struct {
	Display string // ":N", ready for x11.Dial or $DISPLAY
	Width   int
	Height  int

	cmd  *exec.Cmd
	done chan struct{}
	n    int
}

func socketPath(n int) string { return "/tmp/.X11-unix/X" + strconv.Itoa(n) }
func lockPath(n int) string   { return "/tmp/.X" + strconv.Itoa(n) + "-lock" }

// lockOwner reads the PID that Xvfb writes into its lock file.
func lockOwner(lock string) (int, error) {
	b, err := os.ReadFile(lock)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

func processAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// accepting reports whether an X server listens on the socket. The socket
// file appears (bind) a moment before the server accepts on it (listen),
// and a stale file may be left by a server that was killed, so its
// existence is not enough. Start runs Xvfb with -noreset, so this probe
// connection's close does not reset the server.
func accepting(sock string) bool {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// Start launches Xvfb on display number n with a width×height×24 screen and
// waits until it accepts connections. Callers must use display numbers reserved
// for them: two servers cannot share a number.
func Start(ctx context.Context, n, width, height int) (*Server, error) {
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, ErrNotInstalled
	}
	display := ":" + strconv.Itoa(n)
	sock, lock := socketPath(n), lockPath(n)
	if pid, err := lockOwner(lock); err == nil && processAlive(pid) {
		return nil, fmt.Errorf("%w: %s", ErrInUse, display)
	} else if err == nil {
		// A server on our reserved number died without cleaning up.
		_ = os.Remove(lock)
		_ = os.Remove(sock)
	}
	cmd := exec.Command(bin, display,
		"-screen", "0", fmt.Sprintf("%dx%dx24", width, height),
		"-nolisten", "tcp", "-noreset")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("xvfb: start: %w", err)
	}
	s := &Server{Display: display, Width: width, Height: height, cmd: cmd, done: make(chan struct{}), n: n}
	go func() { // owned by s: Close waits for it
		_ = cmd.Wait()
		close(s.done)
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if accepting(sock) {
			return s, nil
		}
		select {
		case <-ctx.Done():
			s.Close()
			return nil, fmt.Errorf("xvfb: waiting for %s: %w", display, ctx.Err())
		case <-s.done:
			return nil, fmt.Errorf("xvfb: %s exited during start-up", display)
		case <-tick.C:
		}
	}
}

// Close stops the server and waits for the process to exit. SIGTERM
// lets Xvfb remove its socket and lock file; SIGKILL follows if it hangs.
func (s *Server) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	_ = os.Remove(lockPath(s.n))
	_ = os.Remove(socketPath(s.n))
}

// Painter draws solid rectangles on the root window of a display.
type Painter struct {
	conn *xgb.Conn
	root xproto.Window
	gc   xproto.Gcontext
}

// NewPainter connects to display.
func NewPainter(display string) (*Painter, error) {
	c, err := x11.Dial(display)
	if err != nil {
		return nil, err
	}
	root := xproto.Setup(c).DefaultScreen(c).Root
	gc, err := xproto.NewGcontextId(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("xvfb: gc id: %w", err)
	}
	if err := xproto.CreateGCChecked(c, gc, xproto.Drawable(root), 0, nil).Check(); err != nil {
		c.Close()
		return nil, fmt.Errorf("xvfb: create gc: %w", err)
	}
	return &Painter{conn: c, root: root, gc: gc}, nil
}

// Fill paints the rectangle with the 0xRRGGBB colour and waits until the
// server has processed it, so a following capture sees it.
func (p *Painter) Fill(x, y, w, h int, rgb uint32) error {
	if err := xproto.ChangeGCChecked(p.conn, p.gc, xproto.GcForeground, []uint32{rgb}).Check(); err != nil {
		return fmt.Errorf("xvfb: set colour: %w", err)
	}
	r := xproto.Rectangle{X: int16(x), Y: int16(y), Width: uint16(w), Height: uint16(h)}
	if err := xproto.PolyFillRectangleChecked(p.conn, xproto.Drawable(p.root), p.gc, []xproto.Rectangle{r}).Check(); err != nil {
		return fmt.Errorf("xvfb: fill: %w", err)
	}
	return nil
}

// Scroll copies the w×h area at (x, y+dy) to (x, y), like a window
// scrolling its content up by dy pixels.
func (p *Painter) Scroll(x, y, w, h, dy int) error {
	err := xproto.CopyAreaChecked(p.conn, xproto.Drawable(p.root), xproto.Drawable(p.root), p.gc,
		int16(x), int16(y+dy), int16(x), int16(y), uint16(w), uint16(h-dy)).Check()
	if err != nil {
		return fmt.Errorf("xvfb: scroll: %w", err)
	}
	return nil
}

// Put draws w×h BGRA pixels (stride w*4) at (x, y). It splits the image
// into bands that fit the core protocol's 256 KiB request limit.
func (p *Painter) Put(x, y, w, h int, bgra []byte) error {
	if w <= 0 || h <= 0 || len(bgra) < w*h*4 {
		return fmt.Errorf("xvfb: put %dx%d from %d bytes", w, h, len(bgra))
	}
	depth := xproto.Setup(p.conn).DefaultScreen(p.conn).RootDepth
	band := max(1, (256*1024-64)/(w*4))
	for top := 0; top < h; top += band {
		rows := min(band, h-top)
		err := xproto.PutImageChecked(p.conn, xproto.ImageFormatZPixmap, xproto.Drawable(p.root), p.gc,
			uint16(w), uint16(rows), int16(x), int16(y+top), 0, depth, bgra[top*w*4:(top+rows)*w*4]).Check()
		if err != nil {
			return fmt.Errorf("xvfb: put image: %w", err)
		}
	}
	return nil
}

// Close releases the connection.
func (p *Painter) Close() { p.conn.Close() }
