package overlay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/wire"
)

// Display numbers reserved for this package's tests: 110–114.
const (
	dispStroke = 110
	dispLaser  = 111
	dispBounds = 112
	dispRaise  = 113
	dispNone   = 114 // never started: New must fall back to Nop
)

const (
	screenW, screenH = 1024, 768
	desktopRGB       = 0x204060
	strokeRGB        = 0xff00ff
	waitFor          = 5 * time.Second
)

// testMonitor is offset from the screen origin so a wrong mapping shows.
var testMonitor = wire.Monitor{X: 100, Y: 50, Width: 800, Height: 600}

// desk is a test X client: a full-screen "application" window painted in
// desktopRGB that records button presses, and pixel reads of the screen.
type desk struct {
	t       *testing.T
	conn    *xgb.Conn
	root    xproto.Window
	win     xproto.Window
	presses chan xproto.ButtonPressEvent
}

func startDesk(t *testing.T, n int) *desk {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := xvfb.Start(ctx, n, screenW, screenH)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		t.Skip("Xvfb is not installed: the X11 overlay needs a real X server")
	}
	if err != nil {
		t.Fatalf("xvfb.Start(%d) = %v", n, err)
	}
	t.Cleanup(srv.Close)
	c := connect(t, srv.Display)
	d := &desk{t: t, conn: c, root: xproto.Setup(c).DefaultScreen(c).Root, presses: make(chan xproto.ButtonPressEvent, 16)}
	if err := x11.Enable(c, x11.XTest); err != nil {
		t.Fatalf("Enable(XTest) = %v", err)
	}
	d.win = d.newWindow(0, 0, screenW, screenH, desktopRGB)
	done := make(chan struct{})
	go func() { // owned by the test: ends when the connection closes
		defer close(done)
		for {
			ev, err := c.WaitForEvent()
			if ev == nil && err == nil {
				return
			}
			if bp, ok := ev.(xproto.ButtonPressEvent); ok {
				select {
				case d.presses <- bp:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { c.Close(); <-done })
	return d
}

// connect retries briefly: Xvfb creates its socket file a moment before
// it accepts connections on it.
func connect(t *testing.T, display string) *xgb.Conn {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		c, err := x11.Dial(display)
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("connect %s: %v", display, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newWindow maps a plain window with a background colour that selects
// button presses, and waits until it is on screen.
func (d *desk) newWindow(x, y, w, h int, rgb uint32) xproto.Window {
	d.t.Helper()
	win, err := xproto.NewWindowId(d.conn)
	if err != nil {
		d.t.Fatal(err)
	}
	scr := xproto.Setup(d.conn).DefaultScreen(d.conn)
	err = xproto.CreateWindowChecked(d.conn, scr.RootDepth, win, d.root, int16(x), int16(y), uint16(w), uint16(h), 0,
		xproto.WindowClassInputOutput, scr.RootVisual,
		xproto.CwBackPixel|xproto.CwOverrideRedirect|xproto.CwEventMask,
		[]uint32{rgb, 1, xproto.EventMaskButtonPress}).Check()
	if err != nil {
		d.t.Fatalf("create window: %v", err)
	}
	if err := xproto.MapWindowChecked(d.conn, win).Check(); err != nil {
		d.t.Fatalf("map window: %v", err)
	}
	d.waitPixel(x+2, y+2, rgb) // a corner: an overlay stroke may cross the centre
	return win
}

// pixel reads one screen pixel as 0xRRGGBB (what a screenshot shows).
func (d *desk) pixel(x, y int) uint32 {
	d.t.Helper()
	img, err := xproto.GetImage(d.conn, xproto.ImageFormatZPixmap, xproto.Drawable(d.root),
		int16(x), int16(y), 1, 1, 0xffffffff).Reply()
	if err != nil {
		d.t.Fatalf("GetImage(%d, %d): %v", x, y, err)
	}
	if len(img.Data) < 4 || xproto.Setup(d.conn).ImageByteOrder != xproto.ImageOrderLSBFirst {
		d.t.Skipf("unexpected image format (%d bytes per pixel)", len(img.Data))
	}
	b := img.Data
	return uint32(b[2])<<16 | uint32(b[1])<<8 | uint32(b[0])
}

// waitPixel polls until the pixel has the colour; the overlay draws
// asynchronously, so a generous deadline keeps this robust on a busy box.
func (d *desk) waitPixel(x, y int, rgb uint32) time.Time {
	d.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		got := d.pixel(x, y)
		if got == rgb {
			return time.Now()
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("pixel(%d, %d) = %06x after %v, want %06x", x, y, got, waitFor, rgb)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (d *desk) click(x, y int) {
	d.t.Helper()
	for _, req := range []struct {
		typ, detail byte
	}{{xproto.MotionNotify, 0}, {xproto.ButtonPress, 1}, {xproto.ButtonRelease, 1}} {
		if err := xtest.FakeInputChecked(d.conn, req.typ, req.detail, 0, d.root, int16(x), int16(y), 0).Check(); err != nil {
			d.t.Fatalf("xtest: %v", err)
		}
	}
}

func newTestOverlay(t *testing.T, display string, cfg X11Config) *X11 {
	t.Helper()
	cfg.Display = display
	if cfg.Monitor == nil {
		cfg.Monitor = func() wire.Monitor { return testMonitor }
	}
	o, err := NewX11(cfg)
	if err != nil {
		t.Fatalf("NewX11(%s) = %v", display, err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// onScreen maps a normalised point of testMonitor to screen pixels the
// way the overlay does.
func onScreen(x, y float64) image.Point {
	s := newScene(testMonitor.Width, testMonitor.Height)
	p := s.toPixel(x, y)
	return p.Add(image.Pt(testMonitor.X, testMonitor.Y))
}

func mustApply(t *testing.T, o Overlay, a wire.Annotation) {
	t.Helper()
	if err := o.Apply(a); err != nil {
		t.Fatalf("Apply(%+v) = %v", a, err)
	}
}

func TestX11StrokeShownClickThroughClearAndClose(t *testing.T) {
	d := startDesk(t, dispStroke)
	disp := fmt.Sprintf(":%d", dispStroke)
	o := newTestOverlay(t, disp, X11Config{})

	// One stroke in two messages, as the helper's UI sends it.
	mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: 7, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.1, Y: 0.5}, {X: 0.5, Y: 0.5}}})
	mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: 7, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.9, Y: 0.5}}, Done: true})

	start, end := onScreen(0.1, 0.5), onScreen(0.9, 0.5)
	y := start.Y
	d.waitPixel(end.X, y, strokeRGB) // the second message's segment arrived
	for x := start.X; x <= end.X; x += 25 {
		if got := d.pixel(x, y); got != strokeRGB {
			t.Errorf("on the stroke: pixel(%d, %d) = %06x, want %06x", x, y, got, strokeRGB)
		}
	}
	// Not far from it: everything else still shows the window below.
	for _, p := range []image.Point{
		{start.X + 100, y - 20}, {start.X + 100, y + 20}, {start.X - 20, y}, {end.X + 20, y},
		{testMonitor.X + 5, testMonitor.Y + 5}, {5, 5}, {screenW - 5, screenH - 5},
	} {
		if got := d.pixel(p.X, p.Y); got != desktopRGB {
			t.Errorf("off the stroke: pixel(%d, %d) = %06x, want the window below %06x", p.X, p.Y, got, desktopRGB)
		}
	}

	// A click on the stroke reaches the window under the overlay.
	mid := onScreen(0.5, 0.5)
	d.click(mid.X, mid.Y)
	select {
	case bp := <-d.presses:
		if bp.Event != d.win || int(bp.RootX) != mid.X || int(bp.RootY) != mid.Y {
			t.Errorf("ButtonPress on window %d at (%d, %d), want window %d at (%d, %d)",
				bp.Event, bp.RootX, bp.RootY, d.win, mid.X, mid.Y)
		}
	case <-time.After(waitFor):
		t.Fatalf("the window under the overlay got no ButtonPress for a click at %v", mid)
	}

	if s, p := o.Counts(); s != 1 || p != 3 {
		t.Errorf("Counts() = %d, %d, want 1, 3", s, p)
	}
	mustApply(t, o, wire.Annotation{T: wire.AnnotateClear})
	d.waitPixel(mid.X, mid.Y, desktopRGB)
	for x := start.X; x <= end.X; x += 25 {
		if got := d.pixel(x, y); got != desktopRGB {
			t.Errorf("after clear: pixel(%d, %d) = %06x, want %06x", x, y, got, desktopRGB)
		}
	}

	// Close takes the window away.
	mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: 8, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.2, Y: 0.2}, {X: 0.3, Y: 0.2}}})
	p := onScreen(0.25, 0.2)
	d.waitPixel(p.X, p.Y, strokeRGB)
	if err := o.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if got := d.pixel(p.X, p.Y); got != desktopRGB {
		t.Errorf("after Close: pixel(%d, %d) = %06x, want %06x", p.X, p.Y, got, desktopRGB)
	}
	if err := o.Apply(wire.Annotation{T: wire.AnnotateClear}); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply after Close = %v, want %v", err, ErrClosed)
	}
}

func TestX11LaserDisappears(t *testing.T) {
	d := startDesk(t, dispLaser)
	o := newTestOverlay(t, fmt.Sprintf(":%d", dispLaser), X11Config{})
	// A stroke under the laser's later position must survive the laser.
	mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#ff00ff", Width: 6,
		Points: []wire.Point{{X: 0.2, Y: 0.3}, {X: 0.8, Y: 0.3}}})
	under := onScreen(0.5, 0.3)
	d.waitPixel(under.X, under.Y, strokeRGB)

	c := onScreen(0.5, 0.7)
	mustApply(t, o, wire.Annotation{T: wire.AnnotateLaser, X: 0.5, Y: 0.7})
	d.waitPixel(c.X, c.Y, LaserColor)
	if got := d.pixel(c.X, c.Y-3*laserRadius); got != desktopRGB {
		t.Errorf("next to the laser: pixel = %06x, want %06x", got, desktopRGB)
	}
	mustApply(t, o, wire.Annotation{T: wire.AnnotateLaser, X: 0.5, Y: 0.3})
	sent := time.Now()
	d.waitPixel(under.X, under.Y, LaserColor)
	d.waitPixel(c.X, c.Y, desktopRGB) // the old dot moved away

	// Gone by 3 s after the last message (the overlay promises < 1 s;
	// the slack is for a loaded machine), and the stroke is back.
	deadline := sent.Add(3 * time.Second)
	for d.pixel(under.X, under.Y) != strokeRGB {
		if time.Now().After(deadline) {
			t.Fatalf("laser still shown %v after the last laser message", time.Since(sent))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestX11MemoryBounds(t *testing.T) {
	d := startDesk(t, dispBounds)
	o := newTestOverlay(t, fmt.Sprintf(":%d", dispBounds), X11Config{})
	first := wire.Annotation{T: wire.AnnotateStroke, ID: 1000, Color: "#ff00ff", Width: 6,
		Points: []wire.Point{{X: 0.05, Y: 0.05}, {X: 0.2, Y: 0.05}}}
	mustApply(t, o, first)
	p0 := onScreen(0.1, 0.05)
	d.waitPixel(p0.X, p0.Y, strokeRGB)

	total := MaxStrokes + 10
	for i := 0; i < total-1; i++ {
		y := 0.2 + 0.7*float64(i)/float64(total)
		mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: uint32(i), Color: "#00ff00", Width: 2,
			Points: []wire.Point{{X: 0.4, Y: y}, {X: 0.6, Y: y}}})
	}
	if s, _ := o.Counts(); s != MaxStrokes {
		t.Errorf("Counts() strokes = %d after %d strokes, want %d", s, total, MaxStrokes)
	}
	// The oldest stroke was evicted and leaves the screen.
	d.waitPixel(p0.X, p0.Y, desktopRGB)

	// One long stroke keeps at most MaxStrokePoints points.
	mustApply(t, o, wire.Annotation{T: wire.AnnotateClear})
	for m := 0; m < 10; m++ {
		a := wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#ff00ff", Width: 1}
		for i := 0; i < wire.MaxStrokePoints; i++ {
			k := m*wire.MaxStrokePoints + i
			a.Points = append(a.Points, wire.Point{X: float64(k%700) / 700, Y: float64(k/700) / 10})
		}
		mustApply(t, o, a)
	}
	if s, p := o.Counts(); s != 1 || p != MaxStrokePoints {
		t.Errorf("Counts() = %d, %d after %d points, want 1, %d", s, p, 10*wire.MaxStrokePoints, MaxStrokePoints)
	}
}

func TestX11ReraisedAboveNewWindow(t *testing.T) {
	d := startDesk(t, dispRaise)
	o := newTestOverlay(t, fmt.Sprintf(":%d", dispRaise), X11Config{})
	mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#ff00ff", Width: 10,
		Points: []wire.Point{{X: 0.3, Y: 0.5}, {X: 0.7, Y: 0.5}}})
	p := onScreen(0.5, 0.5)
	d.waitPixel(p.X, p.Y, strokeRGB)
	// Another window maps on top of the overlay; the overlay goes back
	// above it (newWindow waits until the window itself was visible).
	const otherRGB = 0x30a030
	d.newWindow(p.X-100, p.Y-100, 200, 200, otherRGB)
	d.waitPixel(p.X, p.Y, strokeRGB)
	if got := d.pixel(p.X, p.Y-50); got != otherRGB {
		t.Errorf("beside the stroke on the new window: pixel = %06x, want %06x", got, otherRGB)
	}
}

func TestNewFallsBackToNop(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	o := New(fmt.Sprintf(":%d", dispNone), nil, logger)
	defer o.Close()
	if _, ok := o.(*Nop); !ok {
		t.Fatalf("New(no display) = %T, want *Nop", o)
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 || !strings.Contains(buf.String(), "not be shown") {
		t.Errorf("log = %q, want exactly one line saying annotations will not be shown", buf.String())
	}
	if err := o.Apply(wire.Annotation{T: wire.AnnotateClear}); err != nil {
		t.Errorf("Nop.Apply = %v", err)
	}
}

func TestNewX11RejectsMissingDisplay(t *testing.T) {
	_, err := NewX11(X11Config{Display: fmt.Sprintf(":%d", dispNone)})
	if !errors.Is(err, ErrNoDisplay) {
		t.Errorf("NewX11(no server) = %v, want %v", err, ErrNoDisplay)
	}
}

func TestX11FollowsMonitorSwitch(t *testing.T) {
	d := startDesk(t, dispRaise)
	var mu sync.Mutex
	mon := testMonitor
	o := newTestOverlay(t, fmt.Sprintf(":%d", dispRaise), X11Config{Monitor: func() wire.Monitor {
		mu.Lock()
		defer mu.Unlock()
		return mon
	}})
	mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.2, Y: 0.5}, {X: 0.8, Y: 0.5}}})
	old := onScreen(0.5, 0.5)
	d.waitPixel(old.X, old.Y, strokeRGB)

	mu.Lock()
	mon = wire.Monitor{X: 0, Y: 0, Width: 512, Height: 384}
	mu.Unlock()
	mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: 2, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.5, Y: 0.1}, {X: 0.5, Y: 0.9}}})
	// The new stroke is on the new monitor; the old monitor's stroke is gone.
	d.waitPixel(256, 192, strokeRGB)
	d.waitPixel(old.X+100, old.Y, desktopRGB)
	if s, _ := o.Counts(); s != 1 {
		t.Errorf("Counts() strokes = %d after the monitor switch, want 1", s)
	}
}

func TestX11CloseAfterServerDied(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := xvfb.Start(ctx, dispBounds, screenW, screenH)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		t.Skip("Xvfb is not installed: the X11 overlay needs a real X server")
	}
	if err != nil {
		t.Fatalf("xvfb.Start = %v", err)
	}
	defer srv.Close()
	connect(t, srv.Display).Close() // wait until it accepts connections
	o, err := NewX11(X11Config{Display: srv.Display})
	if err != nil {
		t.Fatalf("NewX11 = %v", err)
	}
	srv.Close()
	_ = o.Apply(wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.2, Y: 0.5}}})
	closed := make(chan error, 1)
	go func() { closed <- o.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close() = %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Close() hangs after the X server died")
	}
}
