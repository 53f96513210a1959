package overlay

import (
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

func TestNopTracksStrokesAndClear(t *testing.T) {
	var n Nop
	var o Overlay = &n
	stroke := func(id uint32, pts int) wire.Annotation {
		a := wire.Annotation{T: wire.AnnotateStroke, ID: id, Color: "#ff0000", Width: 4}
		for i := 0; i < pts; i++ {
			a.Points = append(a.Points, wire.Point{X: 0.1, Y: 0.1})
		}
		return a
	}
	o.Apply(stroke(1, 3))
	o.Apply(stroke(1, 2))
	o.Apply(stroke(2, 1))
	o.Apply(wire.Annotation{T: wire.AnnotateLaser, X: 0.5, Y: 0.5})
	if s, p := n.Strokes(); s != 2 || p != 6 {
		t.Errorf("Strokes() = %d, %d, want 2, 6", s, p)
	}
	o.Apply(wire.Annotation{T: wire.AnnotateClear})
	if s, p := n.Strokes(); s != 0 || p != 0 {
		t.Errorf("after clear Strokes() = %d, %d, want 0, 0", s, p)
	}
	for i := 0; i < MaxStrokes+10; i++ {
		o.Apply(stroke(uint32(i), 1))
	}
	if s, _ := n.Strokes(); s != MaxStrokes {
		t.Errorf("Strokes() = %d after %d strokes, want the bound %d", s, MaxStrokes+10, MaxStrokes)
	}
	o.Close()
	if s, _ := n.Strokes(); s != 0 {
		t.Errorf("Strokes() = %d after Close, want 0", s)
	}
}
