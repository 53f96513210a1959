package capture

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// This file is the OS-neutral half of Windows capture: a Source over
// Desktop Duplication (DXGI) that falls back to GDI grabs (the polling
// Source) where duplication is not available. The Win32 and DXGI calls sit
// behind duplicator and pointer (dxgi_windows.go, gdicursor_windows.go),
// so the choice between the two and the handling of changed rectangles
// are tested with fakes on any system.

// Errors of a duplicator.
var (
	// errDupUnsupported: duplication cannot work here (no Direct3D 11
	// device, a basic display driver, a remote session, a rotated output,
	// wine's stub): GDI from now on.
	errDupUnsupported = errors.New("capture: desktop duplication unsupported")
	// errDupLost: the duplication must be made again (a mode change, a
	// switch to the secure desktop, a full-screen program).
	errDupLost = errors.New("capture: desktop duplication lost")
	// errNoChange: Acquire timed out without a new frame.
	errNoChange = errors.New("capture: no new frame")
)

// dupRetry is how long the GDI fallback is used after duplication failed
// for a reason that may pass (access denied on the secure desktop, too
// many duplications of the output) before it is tried again.
const dupRetry = 2 * time.Second

// dupPoll bounds one wait for a frame, so a SetMonitor, Close or an ended
// context is noticed quickly.
const dupPoll = 100 * time.Millisecond

// duplicator is the OS boundary of Desktop Duplication for one output.
// Its methods are called from one goroutine (Next's).
type duplicator interface {
	// Size is the output's size in pixels.
	Size() (w, h int)
	// Acquire waits up to timeout for the next desktop frame. It returns
	// errNoChange on timeout and errDupLost when the duplication has to be
	// made again. After a nil error, Release must be called.
	Acquire(timeout time.Duration) (dupFrame, error)
	// Copy copies rectangle r of the acquired frame into dst, a BGRA
	// image of Size() with the given stride, at the same place.
	Copy(dst []byte, stride int, r image.Rectangle) error
	// Release gives the acquired frame back.
	Release() error
	Close() error
}

// dupFrame is what one acquired frame says (DXGI_OUTDUPL_FRAME_INFO with
// its metadata and pointer shape).
type dupFrame struct {
	// Updated: the desktop image changed (AccumulatedFrames > 0); a frame
	// may bring only a pointer update.
	Updated bool
	// Dirty are the rectangles drawn since the last frame; Moves the
	// rectangles moved (scrolled, dragged). Both are in output pixels.
	Dirty []image.Rectangle
	Moves []dupMove
	// Overflow: the metadata was not delivered (too large, or coalesced
	// beyond use): the whole image counts as changed.
	Overflow bool
	// Shape is the new pointer shape, nil when it did not change.
	Shape *cursorImage
}

// dupMove is one DXGI_OUTDUPL_MOVE_RECT: the pixels at Src moved to Dst.
type dupMove struct {
	Src image.Point
	Dst image.Rectangle
}

// cursorImage is a pointer shape as premultiplied ARGB, one uint32 per
// pixel (cursorShape's input).
type cursorImage struct {
	W, H, HotX, HotY int
	ARGB             []uint32
}

// maxDupRects bounds the rectangles copied one by one; more (a busy
// screen) and the whole image is copied, which costs about the same.
const maxDupRects = 64

// changedRects is what must be copied from a new frame of an image of
// bounds: the dirty rectangles and the destinations of moves (the new
// frame already holds the moved pixels), clipped to bounds. The whole
// image when full (no previous image), when the metadata overflowed, or
// when the rectangles are many or cover as much as the whole. Empty when
// nothing changed.
func changedRects(f dupFrame, bounds image.Rectangle, full bool) []image.Rectangle {
	if full || f.Overflow {
		return []image.Rectangle{bounds}
	}
	out := make([]image.Rectangle, 0, len(f.Dirty)+len(f.Moves))
	area := 0
	add := func(r image.Rectangle) {
		r = r.Canon().Intersect(bounds)
		if r.Empty() {
			return
		}
		for _, o := range out {
			if r.In(o) {
				return
			}
		}
		out = append(out, r)
		area += r.Dx() * r.Dy()
	}
	for _, m := range f.Moves {
		add(m.Dst)
	}
	for _, r := range f.Dirty {
		add(r)
	}
	if len(out) > maxDupRects || area >= bounds.Dx()*bounds.Dy() {
		return []image.Rectangle{bounds}
	}
	return out
}

// pointer reads the pointer at the OS boundary.
type pointer interface {
	// Position is the pointer's screen position and whether it is shown.
	Position() (x, y int, visible bool, err error)
	// Shape returns the cursor image when it changed since the last call,
	// else nil (GetCursorInfo, GetIconInfo).
	Shape() (*cursorImage, error)
}

// dupSource is a Source over a duplicator per monitor, with GDI grabs as
// the fallback.
type dupSource struct {
	gdi      Source // monitors, and grabs while duplication is unavailable
	open     func(m wire.Monitor) (duplicator, error)
	pointer  pointer
	logger   *slog.Logger
	interval time.Duration    // between frames (MaxFPS)
	now      func() time.Time // for retries after a failure

	force   atomic.Bool
	reopen  atomic.Bool // the monitor changed: a new duplicator
	closed  atomic.Bool
	usesDup atomic.Bool // the last frame came from duplication

	// nextMu serialises Next; it guards the fields below it.
	nextMu    sync.Mutex
	dup       duplicator
	permanent bool      // duplication is unsupported: GDI for good
	retryAt   time.Time // until then GDI, after a failure that may pass
	method    string    // last logged capture method
	img       Image
	have      bool // img holds a whole frame of the current duplicator
	lastGrab  time.Time

	// mu guards monitors and current (kept here too: Cursor needs the
	// monitor 60 times a second, and GDI would enumerate them each time).
	mu       sync.Mutex
	monitors []wire.Monitor
	current  int

	// cursorMu guards shape and serial.
	cursorMu sync.Mutex
	shape    *cursorImage // from duplication, not yet reported
	serial   uint32
}

// newDupSource captures monitor (an index of gdi.Monitors()) through
// duplicators made by open, and through gdi where they fail.
func newDupSource(cfg Config, gdi Source, open func(wire.Monitor) (duplicator, error), p pointer) *dupSource {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &dupSource{gdi: gdi, open: open, pointer: p, logger: logger.With("component", "capture"),
		interval: frameInterval(cmp.Or(cfg.MaxFPS, DefaultMaxFPS)), now: time.Now,
		monitors: gdi.Monitors(), current: cfg.Monitor}
	s.force.Store(true)
	return s
}

func (s *dupSource) currentMonitor() wire.Monitor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current < len(s.monitors) {
		return s.monitors[s.current]
	}
	return wire.Monitor{}
}

func (s *dupSource) Monitors() []wire.Monitor {
	mons := s.gdi.Monitors()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(mons) > 0 {
		s.monitors = mons
	}
	if s.current >= len(s.monitors) {
		s.current = 0
	}
	return append([]wire.Monitor(nil), s.monitors...)
}

func (s *dupSource) SetMonitor(i int) error {
	if err := s.gdi.SetMonitor(i); err != nil {
		return err
	}
	s.mu.Lock()
	s.current = i
	s.mu.Unlock()
	s.reopen.Store(true)
	s.force.Store(true)
	return nil
}

func (s *dupSource) ForceNext() {
	s.force.Store(true)
	s.gdi.ForceNext()
}

// Next returns the next changed frame from duplication when it works,
// else from GDI.
func (s *dupSource) Next(ctx context.Context) (*Image, error) {
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	for {
		if s.closed.Load() {
			s.closeDup()
			return nil, ErrClosed
		}
		if s.reopen.Swap(false) {
			s.closeDup()
			s.retryAt = time.Time{}
		}
		if s.dup == nil && !s.permanent && !s.now().Before(s.retryAt) {
			s.openDup()
		}
		if s.dup == nil {
			s.usesDup.Store(false)
			return s.gdi.Next(ctx)
		}
		img, err := s.nextDup(ctx)
		switch {
		case err == nil:
			s.usesDup.Store(true)
			return img, nil
		case errors.Is(err, errDupLost):
			s.logger.Debug("desktop duplication lost; making it again")
			s.closeDup()
		case errors.Is(err, ErrClosed):
			s.closeDup()
			return nil, err
		case ctx.Err() != nil:
			return nil, err
		default:
			// A frame could not be read: GDI for a while.
			s.closeDup()
			s.retryAt = s.now().Add(dupRetry)
			s.logMethod("gdi", err)
		}
	}
}

// openDup makes a duplicator for the current monitor, or decides on GDI
// for now (a failure that may pass) or for good.
func (s *dupSource) openDup() {
	d, err := s.open(s.currentMonitor())
	switch {
	case err == nil:
		s.dup, s.have = d, false
		s.logMethod("desktop-duplication", nil)
	case errors.Is(err, errDupUnsupported):
		s.permanent = true
		s.logMethod("gdi", err)
	default:
		s.retryAt = s.now().Add(dupRetry)
		s.logMethod("gdi", err)
	}
	if s.dup == nil {
		s.gdi.ForceNext() // GDI starts with a whole frame
	}
}

// logMethod says once per change which way the screen is captured.
func (s *dupSource) logMethod(method string, err error) {
	if method == s.method {
		return
	}
	s.method = method
	if err != nil {
		s.logger.Info("capture method", "method", method, "reason", err)
		return
	}
	s.logger.Info("capture method", "method", method)
}

func (s *dupSource) closeDup() {
	if s.dup != nil {
		s.dup.Close()
		s.dup, s.have = nil, false
	}
}

// nextDup waits for a frame that changed the image (or a forced one) and
// copies what changed into s.img.
func (s *dupSource) nextDup(ctx context.Context) (*Image, error) {
	for {
		if err := sleepUntil(ctx, s.lastGrab.Add(s.interval)); err != nil {
			return nil, err
		}
		if s.closed.Load() {
			return nil, ErrClosed
		}
		if s.reopen.Load() {
			return nil, errDupLost
		}
		f, err := s.dup.Acquire(dupPoll)
		if errors.Is(err, errNoChange) {
			if s.have && s.force.Swap(false) {
				return &s.img, nil
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		img, err := s.take(f)
		if rerr := s.dup.Release(); err == nil && rerr != nil {
			err = rerr
		}
		if err != nil {
			return nil, err
		}
		if img != nil {
			return img, nil
		}
	}
}

// take copies an acquired frame's changes; nil when it changed nothing
// and no frame is forced.
func (s *dupSource) take(f dupFrame) (*Image, error) {
	if f.Shape != nil {
		s.cursorMu.Lock()
		s.shape = f.Shape
		s.cursorMu.Unlock()
	}
	w, h := s.dup.Size()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: output of %dx%d", ErrGrab, w, h)
	}
	if s.img.Width != w || s.img.Height != h || len(s.img.Pix) != w*h*4 {
		s.img = Image{Width: w, Height: h, Stride: w * 4, Pix: make([]byte, w*h*4)}
		s.have = false
	}
	forced := s.force.Load()
	if !f.Updated && (!forced || !s.have) {
		return nil, nil
	}
	rects := changedRects(f, image.Rect(0, 0, w, h), !s.have)
	if len(rects) == 0 && !forced {
		return nil, nil
	}
	for _, r := range rects {
		if err := s.dup.Copy(s.img.Pix, s.img.Stride, r); err != nil {
			s.have = false
			return nil, err
		}
	}
	s.have = true
	s.force.Store(false)
	s.lastGrab = time.Now()
	s.img.Captured = s.lastGrab
	return &s.img, nil
}

// Cursor reports the pointer position, and its shape when it changed:
// from duplication's frames while they are used, else from GDI.
func (s *dupSource) Cursor() (wire.Cursor, *wire.Cursor, error) {
	x, y, visible, err := s.pointer.Position()
	if err != nil {
		return wire.Cursor{}, nil, fmt.Errorf("%w: %w", ErrGrab, err)
	}
	pos := cursorPosition(x, y, s.currentMonitor())
	pos.Visible = pos.Visible && visible
	var img *cursorImage
	if s.usesDup.Load() {
		s.cursorMu.Lock()
		img, s.shape = s.shape, nil
		s.cursorMu.Unlock()
	} else if img, err = s.pointer.Shape(); err != nil {
		return pos, nil, nil // the position is still good; the shape is tried again
	}
	if img == nil {
		return pos, nil, nil
	}
	s.cursorMu.Lock()
	s.serial++
	serial := s.serial
	s.cursorMu.Unlock()
	shape, err := cursorShape(img.W, img.H, img.HotX, img.HotY, img.ARGB, serial)
	if err != nil {
		return pos, nil, nil // too large or empty: the helper keeps the last one
	}
	return pos, shape, nil
}

// Close stops Next; the duplicator is released by the next Next, or here
// when none is running.
func (s *dupSource) Close() error {
	s.closed.Store(true)
	s.gdi.Close()
	if s.nextMu.TryLock() {
		s.closeDup()
		s.nextMu.Unlock()
	}
	return nil
}
