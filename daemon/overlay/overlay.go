// Package overlay draws the helper's annotations on the sharer's screen.
// The daemon hands every validated annotation to an Overlay; the on-screen
// implementations (X11 shaped override-redirect window, Windows layered
// window) live beside this file, and Nop stands in where none is available.
package overlay

import (
	"sync"

	"github.com/quickhelp/quickhelp/wire"
)

// Overlay shows annotations. Implementations must be safe for concurrent
// use and must never take input focus or clicks.
type Overlay interface {
	// Apply shows one validated annotation (stroke points, laser, clear).
	Apply(a wire.Annotation) error
	// Clear removes every annotation (the session ended or was paused).
	Clear() error
	// Hide hides every annotation (true) while the sharer is asked
	// something, or shows them again (false). While hidden, Apply drops
	// annotations and returns ErrHidden, so nothing can be drawn over the
	// question.
	Hide(hidden bool) error
	// Close removes the overlay window.
	Close() error
}

// Nop keeps the annotation state without drawing it, for systems with no
// drawable overlay: strokes are tracked (bounded) so a later on-screen
// implementation and tests see what would be shown. It logs nothing.
type Nop struct {
	mu      sync.Mutex
	strokes map[uint32]int // stroke ID → number of points
	lasers  int
	hidden  bool
}

// MaxStrokes bounds the strokes kept at once; older ones are forgotten.
const MaxStrokes = 256

// Apply records the annotation.
func (n *Nop) Apply(a wire.Annotation) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.hidden {
		return ErrHidden
	}
	switch a.T {
	case wire.AnnotateStroke:
		if n.strokes == nil {
			n.strokes = make(map[uint32]int)
		}
		if _, ok := n.strokes[a.ID]; !ok && len(n.strokes) >= MaxStrokes {
			for id := range n.strokes {
				delete(n.strokes, id)
				break
			}
		}
		n.strokes[a.ID] += len(a.Points)
	case wire.AnnotateLaser:
		n.lasers++
	case wire.AnnotateClear:
		n.strokes = nil
	}
	return nil
}

// Clear forgets every stroke.
func (n *Nop) Clear() error {
	n.mu.Lock()
	n.strokes = nil
	n.mu.Unlock()
	return nil
}

// Hide makes Apply drop annotations (true) or accept them again (false).
func (n *Nop) Hide(hidden bool) error {
	n.mu.Lock()
	n.hidden = hidden
	n.mu.Unlock()
	return nil
}

// Close is Clear.
func (n *Nop) Close() error { return n.Clear() }

// Strokes reports how many strokes are shown and their total points.
func (n *Nop) Strokes() (strokes, points int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, p := range n.strokes {
		points += p
	}
	return len(n.strokes), points
}
