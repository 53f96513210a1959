package overlay

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// MaxStrokePoints bounds the points kept per stroke; points past it are
// dropped (the stroke stops growing) so one endless stroke cannot grow
// memory or repaint cost without limit.
const MaxStrokePoints = 4096

// stroke is one annotation stroke in monitor pixels.
type stroke struct {
	id    uint32
	rgb   uint32 // 0xRRGGBB
	width int    // pixels, ≥ 1
	pts   []image.Point
	drawn int // points already drawn into the platform's shape/bitmap
}

// scene is the platform-independent annotation state: bounded strokes in
// creation order, in pixels of a w×h monitor. It is not safe for
// concurrent use; its owner locks.
type scene struct {
	w, h    int
	strokes []*stroke // oldest first
	byID    map[uint32]*stroke
}

func newScene(w, h int) scene {
	return scene{w: w, h: h, byID: make(map[uint32]*stroke)}
}

// toPixel maps a normalised point to a monitor pixel.
func (s *scene) toPixel(x, y float64) image.Point {
	px := int(math.Round(x * float64(s.w-1)))
	py := int(math.Round(y * float64(s.h-1)))
	return image.Point{X: clamp(px, 0, s.w-1), Y: clamp(py, 0, s.h-1)}
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// addStroke appends the annotation's points to its stroke, creating it
// (and evicting the oldest stroke when MaxStrokes are kept) on first use.
// It reports whether a stroke was evicted, which forces a full redraw.
func (s *scene) addStroke(a wire.Annotation) (evicted bool, err error) {
	rgb, err := parseColor(a.Color)
	if err != nil {
		return false, err
	}
	st, ok := s.byID[a.ID]
	if !ok {
		if len(s.strokes) >= MaxStrokes {
			old := s.strokes[0]
			delete(s.byID, old.id)
			s.strokes[0] = nil
			s.strokes = s.strokes[1:]
			evicted = true
		}
		st = &stroke{id: a.ID, rgb: rgb, width: strokeWidth(a.Width)}
		s.byID[a.ID] = st
		s.strokes = append(s.strokes, st)
	}
	for _, p := range a.Points {
		if len(st.pts) >= MaxStrokePoints {
			break
		}
		px := s.toPixel(p.X, p.Y)
		if n := len(st.pts); n > 0 && st.pts[n-1] == px {
			continue // same pixel: nothing new to draw
		}
		st.pts = append(st.pts, px)
	}
	return evicted, nil
}

// MaxDrawnStrokeWidth caps the width of a stroke on the sharer's screen,
// whatever the helper asks for (the protocol allows wire.MaxStrokeWidth):
// a pen, not a brush that could paint over whole buttons or warnings.
const MaxDrawnStrokeWidth = 16

// strokeWidth rounds a width to whole pixels, at most MaxDrawnStrokeWidth.
func strokeWidth(w float64) int {
	if !(w >= 1) { // also NaN
		return 1
	}
	return int(math.Round(math.Min(w, MaxDrawnStrokeWidth)))
}

// reset forgets every stroke.
func (s *scene) reset() {
	s.strokes = nil
	s.byID = make(map[uint32]*stroke)
}

// counts reports the strokes kept and their total points.
func (s *scene) counts() (strokes, points int) {
	for _, st := range s.strokes {
		points += len(st.pts)
	}
	return len(s.strokes), points
}

// parseColor reads "#rrggbb".
func parseColor(c string) (uint32, error) {
	if len(c) != 7 || c[0] != '#' {
		return 0, fmt.Errorf("%w: colour %q", ErrInvalid, c)
	}
	v, err := strconv.ParseUint(c[1:], 16, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: colour %q", ErrInvalid, c)
	}
	return uint32(v), nil
}

// board is what both on-screen overlays share between Apply/Clear (any
// goroutine) and the one goroutine that owns the window and draws: the
// wake-up and shutdown channels, and under mu the monitor, the scene and
// the laser dot. X11 and Windows embed it, so their drawing code reads the
// fields directly.
type board struct {
	wake   chan struct{} // capacity 1: a pending wake-up is enough
	done   chan struct{}
	closed atomic.Bool
	wg     sync.WaitGroup

	// mu guards the fields below; the owner goroutine reads them while
	// drawing, Apply/Clear write them.
	mu         sync.Mutex
	mon        image.Rectangle // the shared monitor in screen pixels
	geomDirty  bool            // mon changed: move the window, new mask
	scene      scene
	rebuild    bool         // strokes were removed: redraw from scratch (X11's mask; Windows repaints fully anyway)
	laser      *image.Point // current laser position, nil when hidden
	laserUntil time.Time
	// hidden: a question to the sharer is pending; nothing is shown and
	// new annotations are dropped (see Overlay.Hide).
	hidden bool
}

func newBoard() board {
	return board{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// apply validates a and shows it on the monitor mon reports. A laser dot
// stays until now()+laserTimeout. Invalid annotations are rejected with
// ErrInvalid; nothing is drawn for them.
func (b *board) apply(a wire.Annotation, mon func() image.Rectangle, now func() time.Time, laserTimeout time.Duration) error {
	if b.closed.Load() {
		return ErrClosed
	}
	if err := a.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	m := mon()
	b.mu.Lock()
	if b.hidden {
		b.mu.Unlock()
		return ErrHidden
	}
	if m != b.mon && !m.Empty() {
		// Strokes were drawn on the old monitor's content: drop them. An
		// empty monitor (Windows could not tell) keeps the current one.
		b.mon, b.geomDirty = m, true
		b.scene = newScene(m.Dx(), m.Dy())
		b.laser = nil
	}
	var err error
	switch a.T {
	case wire.AnnotateStroke:
		var evicted bool
		evicted, err = b.scene.addStroke(a)
		b.rebuild = b.rebuild || evicted
	case wire.AnnotateLaser:
		p := b.scene.toPixel(a.X, a.Y)
		b.laser = &p
		b.laserUntil = now().Add(laserTimeout)
	case wire.AnnotateClear:
		b.scene.reset()
		b.rebuild = true
	}
	b.mu.Unlock()
	b.poke()
	return err
}

// clear removes every stroke and the laser dot.
func (b *board) clear() error {
	if b.closed.Load() {
		return ErrClosed
	}
	b.mu.Lock()
	b.scene.reset()
	b.laser = nil
	b.rebuild = true
	b.mu.Unlock()
	b.poke()
	return nil
}

// hide hides everything (true) or shows it again (false); while hidden,
// apply drops annotations and the laser dot is gone.
func (b *board) hide(hidden bool) error {
	if b.closed.Load() {
		return ErrClosed
	}
	b.mu.Lock()
	changed := b.hidden != hidden
	b.hidden = hidden
	if hidden {
		b.laser = nil
	}
	b.mu.Unlock()
	if changed {
		b.poke()
	}
	return nil
}

// close stops the owner goroutine and waits for it; only the first call
// does anything.
func (b *board) close() {
	if b.closed.Swap(true) {
		return
	}
	close(b.done)
	b.wg.Wait()
}

// counts reports how many strokes are kept and their total points.
func (b *board) counts() (strokes, points int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.scene.counts()
}

// poke wakes the owner goroutine.
func (b *board) poke() {
	select {
	case b.wake <- struct{}{}:
	default: // a wake-up is already pending; it will see this change too
	}
}

// Timing shared by the on-screen overlays. The periodic raise is a safety
// net for windows that go above the overlay without it being told (on X11
// an empty shape gets no VisibilityNotify).
const (
	defaultLaserTimeout = 600 * time.Millisecond // the protocol promises < 1 s
	raiseEvery          = 2 * time.Second
)

// maxTopLevels bounds how many top-level windows the overlays look at when
// they search for QuickHelp's own windows (never drawn over).
const maxTopLevels = 1024

// laserRadius is the laser dot's radius in pixels.
const laserRadius = 9

// LaserColor is the laser dot's colour (0xRRGGBB).
const LaserColor = 0xff2020

// discSpans returns one-pixel-high rectangles that make up a filled disc
// of radius r centred at c, as image rectangles; both the shape and the
// paint use them so the painted pixels match the shaped ones exactly.
func discSpans(c image.Point, r int) []image.Rectangle {
	spans := make([]image.Rectangle, 0, 2*r+1)
	for dy := -r; dy <= r; dy++ {
		half := int(math.Sqrt(float64(r*r - dy*dy)))
		spans = append(spans, image.Rect(c.X-half, c.Y+dy, c.X+half+1, c.Y+dy+1))
	}
	return spans
}

// sameRects reports whether two rectangle lists are equal, in order.
func sameRects(a, b []image.Rectangle) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// laserBox bounds the laser dot centred at c.
func laserBox(c image.Point) image.Rectangle {
	return image.Rect(c.X-laserRadius, c.Y-laserRadius, c.X+laserRadius+1, c.Y+laserRadius+1)
}
