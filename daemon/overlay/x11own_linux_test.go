package overlay

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/wire"
)

// promptRGB paints the stand-in for QuickHelp's prompt window.
const promptRGB = 0x10c060

// newOwnWindow maps a window that carries QuickHelp's WM_CLASS, as the
// prompt window and sharing bar do, and waits until it is on screen.
func (d *desk) newOwnWindow(r image.Rectangle) xproto.Window {
	d.t.Helper()
	win, err := xproto.NewWindowId(d.conn)
	if err != nil {
		d.t.Fatal(err)
	}
	scr := xproto.Setup(d.conn).DefaultScreen(d.conn)
	err = xproto.CreateWindowChecked(d.conn, scr.RootDepth, win, d.root, int16(r.Min.X), int16(r.Min.Y),
		uint16(r.Dx()), uint16(r.Dy()), 0, xproto.WindowClassInputOutput, scr.RootVisual,
		xproto.CwBackPixel|xproto.CwOverrideRedirect, []uint32{promptRGB, 1}).Check()
	if err != nil {
		d.t.Fatalf("create window: %v", err)
	}
	class := []byte("quickhelp\x00Quickhelp\x00")
	if err := xproto.ChangePropertyChecked(d.conn, xproto.PropModeReplace, win, xproto.AtomWmClass, xproto.AtomString,
		8, uint32(len(class)), class).Check(); err != nil {
		d.t.Fatalf("set WM_CLASS: %v", err)
	}
	if err := xproto.MapWindowChecked(d.conn, win).Check(); err != nil {
		d.t.Fatalf("map window: %v", err)
	}
	d.waitPixel(r.Min.X+2, r.Min.Y+2, promptRGB)
	return win
}

// grab reads a screen rectangle (X GetImage, what a screenshot shows).
func (d *desk) grab(r image.Rectangle) []byte {
	d.t.Helper()
	img, err := xproto.GetImage(d.conn, xproto.ImageFormatZPixmap, xproto.Drawable(d.root),
		int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), 0xffffffff).Reply()
	if err != nil {
		d.t.Fatalf("GetImage(%v): %v", r, err)
	}
	return img.Data
}

// strokesAcross paints horizontal strokes, as wide as the helper may ask,
// across the whole monitor every 0.05 of its height.
func strokesAcross(t *testing.T, o Overlay, firstID uint32) {
	t.Helper()
	for i := 0; i <= 20; i++ {
		y := float64(i) / 20
		mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: firstID + uint32(i), Color: "#ff00ff",
			Width: wire.MaxStrokeWidth, Points: []wire.Point{{X: 0, Y: y}, {X: 1, Y: y}}, Done: true})
	}
}

// Audit finding 3: strokes are never drawn over QuickHelp's own windows
// (the prompt with its Deny button and warning, the sharing bar), wherever
// they are and whenever they appear, and a stroke is at most 16 px wide.
func TestX11NeverDrawsOverOwnWindows(t *testing.T) {
	d := startDesk(t, dispBounds)
	o := newTestOverlay(t, fmt.Sprintf(":%d", dispBounds), X11Config{})
	// The prompt sits across the monitor's edge, partly inside it.
	prompt := image.Rect(600, 380, 940, 620)
	win := d.newOwnWindow(prompt)
	before := d.grab(prompt)

	strokesAcross(t, o, 1)
	// The strokes are on screen right beside the prompt...
	y := onScreen(0, 0.6).Y // a stroke that crosses the prompt
	d.waitPixel(prompt.Min.X-3, y, strokeRGB)
	// ...and the overlay is above the prompt (it raised itself when it got
	// its first stroke), yet the prompt's pixels are untouched.
	time.Sleep(300 * time.Millisecond)
	if after := d.grab(prompt); !bytes.Equal(before, after) {
		t.Fatalf("the prompt region changed under the strokes (%d of %d bytes differ)", diff(before, after), len(before))
	}

	// The prompt moves over existing strokes: they leave its new place.
	moved := image.Rect(200, 150, 540, 390)
	if err := xproto.ConfigureWindowChecked(d.conn, win, xproto.ConfigWindowX|xproto.ConfigWindowY,
		[]uint32{uint32(moved.Min.X), uint32(moved.Min.Y)}).Check(); err != nil {
		t.Fatal(err)
	}
	d.waitPixel(moved.Min.X+2, moved.Min.Y+2, promptRGB) // between two strokes
	deadline := time.Now().Add(waitFor)
	want := bytes.Repeat(before[:len(before)/(prompt.Dx()*prompt.Dy())], moved.Dx()*moved.Dy()) // all prompt colour
	for got := d.grab(moved); !bytes.Equal(got, want); got = d.grab(moved) {
		if time.Now().After(deadline) {
			t.Fatalf("strokes still shown over the moved prompt (%d bytes differ)", diff(got, want))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The old place shows strokes again.
	d.waitPixel(prompt.Min.X+50, y, strokeRGB)

	// Width: a stroke asked for at 64 px is at most 16 px thick.
	x := onScreen(0.95, 0).X
	thick := 0 // the run of stroke pixels through the stroke's centre line
	for py := y; py > y-40 && d.pixel(x, py) == strokeRGB; py-- {
		thick++
	}
	for py := y + 1; py < y+40 && d.pixel(x, py) == strokeRGB; py++ {
		thick++
	}
	if thick == 0 || thick > MaxDrawnStrokeWidth+1 {
		t.Errorf("stroke drawn %d px thick, want 1–%d", thick, MaxDrawnStrokeWidth+1)
	}
}

// While a question is pending the overlay is hidden and new strokes are
// dropped; afterwards the earlier strokes come back.
func TestX11HiddenWhileQuestionPending(t *testing.T) {
	d := startDesk(t, dispLaser)
	o := newTestOverlay(t, fmt.Sprintf(":%d", dispLaser), X11Config{})
	mustApply(t, o, wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.2, Y: 0.3}, {X: 0.8, Y: 0.3}}})
	p := onScreen(0.5, 0.3)
	d.waitPixel(p.X, p.Y, strokeRGB)

	if err := o.Hide(true); err != nil {
		t.Fatal(err)
	}
	d.waitPixel(p.X, p.Y, desktopRGB)
	q := onScreen(0.5, 0.6)
	err := o.Apply(wire.Annotation{T: wire.AnnotateStroke, ID: 2, Color: "#ff00ff", Width: 8,
		Points: []wire.Point{{X: 0.2, Y: 0.6}, {X: 0.8, Y: 0.6}}})
	if !errors.Is(err, ErrHidden) {
		t.Errorf("Apply while hidden = %v, want ErrHidden", err)
	}
	if err := o.Apply(wire.Annotation{T: wire.AnnotateLaser, X: 0.5, Y: 0.6}); !errors.Is(err, ErrHidden) {
		t.Errorf("laser while hidden = %v, want ErrHidden", err)
	}
	time.Sleep(300 * time.Millisecond)
	for _, pt := range []image.Point{p, q} {
		if got := d.pixel(pt.X, pt.Y); got != desktopRGB {
			t.Errorf("while hidden pixel(%v) = %06x, want %06x", pt, got, desktopRGB)
		}
	}

	if err := o.Hide(false); err != nil {
		t.Fatal(err)
	}
	d.waitPixel(p.X, p.Y, strokeRGB)
	if got := d.pixel(q.X, q.Y); got != desktopRGB {
		t.Errorf("the stroke sent while hidden is shown: pixel = %06x", got)
	}
}

func diff(a, b []byte) int {
	n := 0
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			n++
		}
	}
	return n + max(len(a), len(b)) - min(len(a), len(b))
}

func TestIsOwnClass(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"quickhelp\x00Quickhelp\x00", true},
		{"quickhelp-desktop\x00Quickhelp-desktop\x00", true},
		{"x\x00QuickHelp\x00", true},
		{"xterm\x00XTerm\x00", false},
		{"", false},
		{"quick\x00help\x00", false},
	}
	for _, tt := range tests {
		if got := isOwnClass([]byte(tt.v)); got != tt.want {
			t.Errorf("isOwnClass(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
