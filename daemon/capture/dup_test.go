package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

func TestChangedRects(t *testing.T) {
	b := image.Rect(0, 0, 100, 50)
	many := make([]image.Rectangle, maxDupRects+1)
	for i := range many {
		many[i] = image.Rect(i, 0, i+1, 1)
	}
	tests := []struct {
		name string
		f    dupFrame
		full bool
		want []image.Rectangle
	}{
		{"the first frame is whole", dupFrame{Dirty: []image.Rectangle{image.Rect(1, 1, 2, 2)}}, true, []image.Rectangle{b}},
		{"metadata lost: whole", dupFrame{Overflow: true}, false, []image.Rectangle{b}},
		{"nothing changed", dupFrame{}, false, []image.Rectangle{}},
		{"one dirty rectangle", dupFrame{Dirty: []image.Rectangle{image.Rect(10, 10, 20, 15)}}, false,
			[]image.Rectangle{image.Rect(10, 10, 20, 15)}},
		{"clipped to the output", dupFrame{Dirty: []image.Rectangle{image.Rect(90, 40, 120, 60)}}, false,
			[]image.Rectangle{image.Rect(90, 40, 100, 50)}},
		{"outside or empty: dropped", dupFrame{Dirty: []image.Rectangle{image.Rect(200, 0, 210, 10), image.Rect(5, 5, 5, 9)}}, false,
			[]image.Rectangle{}},
		{"upside down: made canonical", dupFrame{Dirty: []image.Rectangle{{Min: image.Pt(20, 15), Max: image.Pt(10, 10)}}}, false,
			[]image.Rectangle{image.Rect(10, 10, 20, 15)}},
		{"a move's destination, then dirty", dupFrame{
			Moves: []dupMove{{Src: image.Pt(0, 10), Dst: image.Rect(0, 0, 100, 40)}},
			Dirty: []image.Rectangle{image.Rect(0, 40, 100, 49)}}, false,
			[]image.Rectangle{image.Rect(0, 0, 100, 40), image.Rect(0, 40, 100, 49)}},
		{"inside a move's destination: once", dupFrame{
			Moves: []dupMove{{Src: image.Pt(0, 10), Dst: image.Rect(0, 0, 100, 40)}},
			Dirty: []image.Rectangle{image.Rect(10, 10, 20, 20)}}, false,
			[]image.Rectangle{image.Rect(0, 0, 100, 40)}},
		{"covering everything: whole", dupFrame{Dirty: []image.Rectangle{image.Rect(0, 0, 100, 25), image.Rect(0, 25, 100, 50)}}, false,
			[]image.Rectangle{b}},
		{"too many: whole", dupFrame{Dirty: many}, false, []image.Rectangle{b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := changedRects(tt.f, b, tt.full)
			if !slices.Equal(got, tt.want) {
				t.Errorf("changedRects = %v, want %v", got, tt.want)
			}
		})
	}
}

// screenDup stands in for Desktop Duplication (an OS boundary; wine has
// only a stub): frames come from a script, Copy reads from the screen as
// it is after the scripted frame.
type screenDup struct {
	w, h int

	mu       sync.Mutex
	screen   []byte
	script   []step
	acquired int
	released int
	copied   []image.Rectangle
	closed   bool
}

// step is one Acquire: paint changes the screen, then frame or err is
// returned.
type step struct {
	paint func(screen []byte, w int)
	frame dupFrame
	err   error
}

func newScreenDup(w, h int, script ...step) *screenDup {
	d := &screenDup{w: w, h: h, screen: make([]byte, w*h*4), script: script}
	fill(d.screen, w, image.Rect(0, 0, w, h), 10) // the desktop before the first frame
	return d
}

// fill paints r of a BGRA screen with grey v.
func fill(screen []byte, w int, r image.Rectangle, v byte) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			copy(screen[(y*w+x)*4:], []byte{v, v, v, 255})
		}
	}
}

func (d *screenDup) Size() (int, int) { return d.w, d.h }

func (d *screenDup) Acquire(time.Duration) (dupFrame, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.script) == 0 {
		d.mu.Unlock()
		time.Sleep(time.Millisecond) // a real Acquire waits for its timeout
		d.mu.Lock()
		return dupFrame{}, errNoChange
	}
	s := d.script[0]
	d.script = d.script[1:]
	if s.paint != nil {
		s.paint(d.screen, d.w)
	}
	if s.err == nil {
		d.acquired++
	}
	return s.frame, s.err
}

func (d *screenDup) Copy(dst []byte, stride int, r image.Rectangle) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.copied = append(d.copied, r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(dst[y*stride+r.Min.X*4:y*stride+r.Max.X*4], d.screen[(y*d.w+r.Min.X)*4:(y*d.w+r.Max.X)*4])
	}
	return nil
}

func (d *screenDup) Release() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.released++
	return nil
}

func (d *screenDup) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	return nil
}

// takeCopied returns and forgets the rectangles copied so far.
func (d *screenDup) takeCopied() []image.Rectangle {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.copied
	d.copied = nil
	return c
}

func (d *screenDup) same(img *Image) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return bytes.Equal(img.Pix, d.screen)
}

// fakePointer stands in for GetCursorPos and GetCursorInfo/GetIconInfo.
type fakePointer struct {
	mu    sync.Mutex
	shape *cursorImage // reported once by Shape
}

func (p *fakePointer) Position() (int, int, bool, error) { return 10, 20, true, nil }
func (p *fakePointer) Shape() (*cursorImage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.shape
	p.shape = nil
	return s, nil
}

// twoScreens is the GDI fallback in these tests: a Pattern with a second
// monitor.
type twoScreens struct{ *Pattern }

func (g twoScreens) Monitors() []wire.Monitor {
	return []wire.Monitor{{Index: 0, Width: 64, Height: 48, Primary: true}, {Index: 1, X: 64, Width: 32, Height: 16}}
}

func (g twoScreens) SetMonitor(i int) error {
	if i < 0 || i > 1 {
		return ErrBadMonitor
	}
	return nil
}

// opener hands out duplicators (or errors) in order and records the
// monitors asked for.
type opener struct {
	mu      sync.Mutex
	results []any // *screenDup or error
	asked   []wire.Monitor
}

func (o *opener) open(m wire.Monitor) (duplicator, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.asked = append(o.asked, m)
	if len(o.asked) > len(o.results) {
		return nil, fmt.Errorf("open called %d times, more than expected", len(o.asked))
	}
	switch r := o.results[len(o.asked)-1].(type) {
	case *screenDup:
		return r, nil
	case error:
		return nil, r
	}
	panic("bad opener result")
}

func (o *opener) calls() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.asked)
}

func next(t *testing.T, s Source) *Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	img, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return img
}

// Duplication: the first frame is copied whole, later ones only where
// they changed (dirty rectangles and moves), a frame that changed only the
// pointer is no frame but brings the cursor shape, every acquired frame is
// released, and a lost duplication is made again (and copied whole).
func TestDupSourceCopiesOnlyChanges(t *testing.T) {
	const w, h = 64, 48
	whole := image.Rect(0, 0, w, h)
	arrow := &cursorImage{W: 1, H: 1, ARGB: []uint32{argbWhite}}
	dirty := image.Rect(8, 8, 24, 16)
	moved := image.Rect(0, 20, 64, 40)
	d1 := newScreenDup(w, h,
		step{frame: dupFrame{Updated: true, Dirty: []image.Rectangle{whole}}},
		step{paint: func(s []byte, w int) { fill(s, w, dirty, 200) }, frame: dupFrame{Updated: true, Dirty: []image.Rectangle{dirty}}},
		step{frame: dupFrame{Shape: arrow}}, // the pointer only
		step{paint: func(s []byte, w int) { fill(s, w, moved, 90) },
			frame: dupFrame{Updated: true, Moves: []dupMove{{Src: image.Pt(0, 10), Dst: moved}}}},
		step{err: errDupLost},
	)
	d2 := newScreenDup(w, h, step{frame: dupFrame{Updated: true, Dirty: []image.Rectangle{image.Rect(0, 0, 1, 1)}}})
	o := &opener{results: []any{d1, d2}}
	p := &fakePointer{shape: &cursorImage{W: 2, H: 2, ARGB: make([]uint32, 4)}}
	s := newDupSource(Config{MaxFPS: 240}, twoScreens{NewPattern(w, h)}, o.open, p)
	defer s.Close()

	if img := next(t, s); !d1.same(img) || !slices.Equal(d1.takeCopied(), []image.Rectangle{whole}) {
		t.Fatal("the first frame was not copied whole")
	}
	if img := next(t, s); !d1.same(img) || !slices.Equal(d1.takeCopied(), []image.Rectangle{dirty}) {
		t.Fatal("the second frame was not the dirty rectangle alone")
	}
	// The pointer-only frame is skipped; the move is the next frame.
	if img := next(t, s); !d1.same(img) || !slices.Equal(d1.takeCopied(), []image.Rectangle{moved}) {
		t.Fatal("the moved rectangle was not copied alone")
	}
	pos, shape, err := s.Cursor()
	if err != nil || shape == nil || shape.W != 1 || shape.H != 1 {
		t.Fatalf("Cursor = %+v, %+v, %v; want the shape of the pointer-only frame", pos, shape, err)
	}
	if _, again, _ := s.Cursor(); again != nil {
		t.Error("the same shape was reported twice")
	}
	if pos.X != 10.0/w || pos.Y != 20.0/h || !pos.Visible {
		t.Errorf("position = %+v, want (10,20) of the first monitor", pos)
	}
	// Lost: made again, the first frame of the new one whole.
	if img := next(t, s); !d2.same(img) || !slices.Equal(d2.takeCopied(), []image.Rectangle{whole}) {
		t.Fatal("after a lost duplication the frame was not copied whole from a new one")
	}
	if !d1.closed || d1.acquired != d1.released {
		t.Errorf("the lost duplicator: closed %v, %d acquired, %d released", d1.closed, d1.acquired, d1.released)
	}
	// Nothing new: a forced frame repeats the image at once.
	s.ForceNext()
	if img := next(t, s); !d2.same(img) {
		t.Error("a forced frame differs from the screen")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !d2.closed {
		t.Error("Close left the duplicator open")
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close = %v, want %v", err, ErrClosed)
	}
}

// Choosing between duplication and GDI: unsupported means GDI for good
// (with GDI's cursor shapes); a failure that may pass (access denied on
// the secure desktop) means GDI for dupRetry, then duplication is tried
// again; a new monitor gets a new duplicator for that monitor.
func TestDupSourceFallsBackToGDI(t *testing.T) {
	t.Run("unsupported", func(t *testing.T) {
		o := &opener{results: []any{fmt.Errorf("%w: E_NOTIMPL", errDupUnsupported)}}
		gdi := NewPattern(64, 48)
		p := &fakePointer{shape: &cursorImage{W: 3, H: 2, ARGB: make([]uint32, 6)}}
		s := newDupSource(Config{MaxFPS: 240}, twoScreens{gdi}, o.open, p)
		defer s.Close()
		s.now = func() time.Time { return time.Now().Add(time.Hour) } // any retry would be due
		for range 3 {
			if img := next(t, s); img.Width != 64 || img != &gdi.img {
				t.Fatal("the frame did not come from GDI")
			}
		}
		if n := o.calls(); n != 1 {
			t.Errorf("duplication tried %d times, want once", n)
		}
		if _, shape, err := s.Cursor(); err != nil || shape == nil || shape.W != 3 {
			t.Errorf("Cursor shape = %+v, %v; want GDI's", shape, err)
		}
	})
	t.Run("may pass", func(t *testing.T) {
		d := newScreenDup(64, 48, step{frame: dupFrame{Updated: true}})
		o := &opener{results: []any{errors.New("E_ACCESSDENIED"), d}}
		gdi := NewPattern(64, 48)
		s := newDupSource(Config{MaxFPS: 240}, twoScreens{gdi}, o.open, &fakePointer{})
		defer s.Close()
		var mu sync.Mutex
		clock := time.Now()
		s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		if img := next(t, s); img != &gdi.img {
			t.Fatal("while duplication failed the frame did not come from GDI")
		}
		if img := next(t, s); img != &gdi.img || o.calls() != 1 {
			t.Fatalf("duplication tried again too soon (%d tries)", o.calls())
		}
		mu.Lock()
		clock = clock.Add(dupRetry)
		mu.Unlock()
		if img := next(t, s); !d.same(img) || o.calls() != 2 {
			t.Fatalf("after %v duplication was not used again (%d tries)", dupRetry, o.calls())
		}
	})
	t.Run("another monitor", func(t *testing.T) {
		d1 := newScreenDup(64, 48, step{frame: dupFrame{Updated: true}})
		d2 := newScreenDup(32, 16, step{frame: dupFrame{Updated: true}})
		o := &opener{results: []any{d1, d2}}
		s := newDupSource(Config{MaxFPS: 240}, twoScreens{NewPattern(64, 48)}, o.open, &fakePointer{})
		defer s.Close()
		next(t, s)
		if err := s.SetMonitor(1); err != nil {
			t.Fatal(err)
		}
		if img := next(t, s); img.Width != 32 || img.Height != 16 || !d2.same(img) {
			t.Fatalf("after SetMonitor(1) the frame is %dx%d, want the second monitor's 32x16", img.Width, img.Height)
		}
		if !d1.closed || len(o.asked) != 2 || o.asked[1].Index != 1 {
			t.Errorf("the first duplicator closed %v, monitors asked %+v", d1.closed, o.asked)
		}
	})
}

func TestIconARGB(t *testing.T) {
	px := func(v ...byte) []byte { return v }
	tests := []struct {
		name        string
		color, mask []byte
		w, h        int
		want        []uint32
	}{
		{"colour with alpha, premultiplied", px(0, 0, 255, 255, 255, 255, 255, 128), px(0, 0, 0, 0, 0, 0, 0, 0), 2, 1,
			[]uint32{0xffff0000, 0x80808080}},
		{"colour without alpha: the mask decides", px(0, 255, 0, 0, 0, 255, 0, 0), px(0, 0, 0, 0, 255, 255, 255, 0), 2, 1,
			[]uint32{0xff00ff00, 0}},
		{"monochrome: AND above XOR", nil,
			px(255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 0, // AND: 1 0 0 1
				0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 0, 255, 255, 255, 0), // XOR: 0 0 1 1
			4, 1, []uint32{0, argbBlack, argbWhite, argbBlack}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := iconARGB(tt.color, tt.mask, tt.w, tt.h)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("iconARGB = %#x, %v; want %#x", got, err, tt.want)
			}
		})
	}
	if _, err := iconARGB(nil, make([]byte, 4), 1, 1); !errors.Is(err, ErrUnsupported) {
		t.Errorf("a short monochrome mask = %v, want %v", err, ErrUnsupported)
	}
}

func TestDXGIPointerARGB(t *testing.T) {
	tests := []struct {
		name     string
		typ      uint32
		w, h, pt int
		buf      []byte
		want     []uint32
	}{
		{"monochrome, MSB first", dxgiPointerMonochrome, 3, 1, 1,
			[]byte{0b1000_0000, 0b0010_0000}, // AND 1 0 0, XOR 0 0 1
			[]uint32{0, argbBlack, argbWhite}},
		{"colour, pitch wider than the row", dxgiPointerColor, 1, 2, 8,
			[]byte{255, 0, 0, 255, 9, 9, 9, 9, 255, 255, 255, 0},
			[]uint32{0xff0000ff, 0}},
		{"masked colour", dxgiPointerMaskedColor, 3, 1, 12,
			[]byte{0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255, 255},
			[]uint32{0xffff0000, 0, argbWhite}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dxgiPointerARGB(tt.typ, tt.w, tt.h, tt.pt, tt.buf)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("dxgiPointerARGB = %#x, %v; want %#x", got, err, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		typ      uint32
		w, h, pt int
		n        int
	}{{dxgiPointerMonochrome, 8, 8, 1, 15}, {dxgiPointerColor, 2, 2, 4, 16}, {3, 1, 1, 4, 4}, {dxgiPointerColor, 0, 1, 4, 4}} {
		if _, err := dxgiPointerARGB(bad.typ, bad.w, bad.h, bad.pt, make([]byte, bad.n)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("dxgiPointerARGB(type %d, %dx%d, pitch %d, %d bytes) = %v, want %v", bad.typ, bad.w, bad.h, bad.pt, bad.n, err, ErrUnsupported)
		}
	}
}
