package overlay

import (
	"errors"
	"image"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

func TestParseColor(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
		err  bool
	}{
		{"#ff00ff", 0xff00ff, false},
		{"#000000", 0, false},
		{"#A1b2C3", 0xa1b2c3, false},
		{"ff00ff", 0, true},
		{"#ff00f", 0, true},
		{"#gg0000", 0, true},
		{"#+f00ff", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseColor(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("parseColor(%q) = %06x, %v, want %06x, error %v", tt.in, got, err, tt.want, tt.err)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("parseColor(%q) error %v does not wrap ErrInvalid", tt.in, err)
			}
		})
	}
}

func TestSceneToPixel(t *testing.T) {
	s := newScene(800, 600)
	tests := []struct {
		x, y float64
		want image.Point
	}{
		{0, 0, image.Pt(0, 0)},
		{1, 1, image.Pt(799, 599)},
		{0.5, 0.5, image.Pt(400, 300)},
		{-1, 2, image.Pt(0, 599)}, // clamped, though Validate rejects these
	}
	for _, tt := range tests {
		if got := s.toPixel(tt.x, tt.y); got != tt.want {
			t.Errorf("toPixel(%v, %v) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestSceneStrokes(t *testing.T) {
	s := newScene(100, 100)
	a := wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#010203", Width: 2.6,
		Points: []wire.Point{{X: 0, Y: 0}, {X: 0.001, Y: 0}, {X: 0.5, Y: 0.5}}}
	if ev, err := s.addStroke(a); ev || err != nil {
		t.Fatalf("addStroke = %v, %v, want false, nil", ev, err)
	}
	st := s.byID[1]
	if st.rgb != 0x010203 || st.width != 3 || len(st.pts) != 2 {
		t.Errorf("stroke = rgb %06x width %d points %v, want 010203, 3, two points (duplicate pixel dropped)", st.rgb, st.width, st.pts)
	}
	if _, err := s.addStroke(wire.Annotation{T: wire.AnnotateStroke, ID: 2, Color: "red", Width: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("addStroke(bad colour) = %v, want ErrInvalid", err)
	}
	s.reset()
	evictions := 0
	for i := 0; i < MaxStrokes+5; i++ {
		ev, _ := s.addStroke(wire.Annotation{T: wire.AnnotateStroke, ID: uint32(i), Color: "#ffffff", Width: 1,
			Points: []wire.Point{{X: 0.1, Y: 0.1}}})
		if ev {
			evictions++
		}
	}
	if n, _ := s.counts(); n != MaxStrokes || evictions != 5 {
		t.Errorf("after %d strokes: kept %d, evicted %d, want %d, 5", MaxStrokes+5, n, evictions, MaxStrokes)
	}
	if _, ok := s.byID[0]; ok {
		t.Errorf("oldest stroke 0 still kept after eviction")
	}
	if s.strokes[0].id != 5 {
		t.Errorf("oldest kept stroke = %d, want 5", s.strokes[0].id)
	}
}

func TestDiscSpans(t *testing.T) {
	c := image.Pt(50, 40)
	spans := discSpans(c, 9)
	if len(spans) != 19 {
		t.Fatalf("discSpans(r=9) has %d rows, want 19", len(spans))
	}
	for _, r := range spans {
		if r.Dy() != 1 || r.Min.X+r.Max.X-1 != 2*c.X {
			t.Errorf("span %v is not one row centred on x=%d", r, c.X)
		}
		if !r.In(laserBox(c)) {
			t.Errorf("span %v outside laserBox %v", r, laserBox(c))
		}
	}
	if mid := spans[9]; mid.Dx() != 19 {
		t.Errorf("middle span width %d, want 19", mid.Dx())
	}
}

// FuzzSceneStroke feeds arbitrary colours, widths and points to the scene:
// whatever arrives, it must not panic and must stay within its bounds.
func FuzzSceneStroke(f *testing.F) {
	f.Add("#ff00ff", 4.0, 0.5, 0.5, uint32(1))
	f.Add("#zzzzzz", -1.0, 2.0, -3.0, uint32(0))
	f.Fuzz(func(t *testing.T, color string, width, x, y float64, id uint32) {
		s := newScene(640, 480)
		_, _ = s.addStroke(wire.Annotation{T: wire.AnnotateStroke, ID: id, Color: color, Width: width,
			Points: []wire.Point{{X: x, Y: y}, {X: y, Y: x}}})
		for _, st := range s.strokes {
			if st.width < 1 || st.width > wire.MaxStrokeWidth {
				t.Fatalf("width %d from %v outside [1, %d]", st.width, width, wire.MaxStrokeWidth)
			}
			for _, p := range st.pts {
				if !p.In(image.Rect(0, 0, 640, 480)) {
					t.Fatalf("point %v outside the monitor", p)
				}
			}
		}
	})
}

// TestBoardApply drives the state both on-screen overlays share, without a
// window: monitor switches, strokes, laser expiry time, clear, wake-ups
// and the closed and invalid paths.
func TestBoardApply(t *testing.T) {
	mon := image.Rect(0, 0, 101, 101)
	monitor := func() image.Rectangle { return mon }
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := func() time.Time { return t0 }
	stroke := wire.Annotation{T: wire.AnnotateStroke, ID: 1, Color: "#ff0000", Width: 3,
		Points: []wire.Point{{X: 0, Y: 0}, {X: 1, Y: 1}}}

	b := newBoard()
	b.mon = mon
	b.scene = newScene(mon.Dx(), mon.Dy())
	if err := b.apply(stroke, monitor, now, time.Second); err != nil {
		t.Fatalf("apply(stroke) = %v, want nil", err)
	}
	if s, p := b.counts(); s != 1 || p != 2 {
		t.Errorf("counts() after one stroke = %d, %d, want 1, 2", s, p)
	}
	select {
	case <-b.wake:
	default:
		t.Error("apply did not wake the owner")
	}
	if err := b.apply(wire.Annotation{T: wire.AnnotateLaser, X: 0.5, Y: 0.5}, monitor, now, time.Second); err != nil {
		t.Fatalf("apply(laser) = %v, want nil", err)
	}
	if b.laser == nil || *b.laser != (image.Point{X: 50, Y: 50}) || !b.laserUntil.Equal(t0.Add(time.Second)) {
		t.Errorf("laser = %v until %v, want (50,50) until %v", b.laser, b.laserUntil, t0.Add(time.Second))
	}

	// An empty monitor keeps the current one and its strokes.
	empty := func() image.Rectangle { return image.Rectangle{} }
	if err := b.apply(stroke, empty, now, time.Second); err != nil || b.mon != mon || b.geomDirty {
		t.Errorf("apply on an empty monitor = %v, mon %v, geomDirty %v; want nil, %v, false", err, b.mon, b.geomDirty, mon)
	}
	// A new monitor drops strokes and laser and marks the geometry.
	other := image.Rect(200, 0, 401, 201)
	if err := b.apply(wire.Annotation{T: wire.AnnotateLaser, X: 1, Y: 1},
		func() image.Rectangle { return other }, now, time.Second); err != nil {
		t.Fatalf("apply on a new monitor = %v, want nil", err)
	}
	if s, _ := b.counts(); s != 0 || b.mon != other || !b.geomDirty || *b.laser != (image.Point{X: 200, Y: 200}) {
		t.Errorf("after monitor switch: strokes %d, mon %v, geomDirty %v, laser %v; want 0, %v, true, (200,200)",
			s, b.mon, b.geomDirty, b.laser, other)
	}

	tests := []struct {
		name string
		a    wire.Annotation
		want error
	}{
		{"bad colour", wire.Annotation{T: wire.AnnotateStroke, ID: 2, Color: "red", Width: 3}, ErrInvalid},
		{"unknown kind", wire.Annotation{T: "boom"}, ErrInvalid},
	}
	for _, tc := range tests {
		if err := b.apply(tc.a, monitor, now, time.Second); !errors.Is(err, tc.want) {
			t.Errorf("apply(%s) = %v, want %v", tc.name, err, tc.want)
		}
	}

	b.rebuild = false
	if err := b.clear(); err != nil || b.laser != nil || !b.rebuild {
		t.Errorf("clear() = %v, laser %v, rebuild %v; want nil, nil, true", err, b.laser, b.rebuild)
	}
	b.close()
	b.close() // a second close must not panic on the closed channel
	if err := b.apply(stroke, monitor, now, time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("apply after close = %v, want %v", err, ErrClosed)
	}
	if err := b.clear(); !errors.Is(err, ErrClosed) {
		t.Errorf("clear after close = %v, want %v", err, ErrClosed)
	}
}
