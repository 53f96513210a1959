package capture

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// scriptedCursor is a Source whose Cursor replays positions; only Cursor
// is used by PollCursor.
type scriptedCursor struct {
	*Pattern
	mu    sync.Mutex
	steps []wire.Cursor
	i     int
}

func (s *scriptedCursor) Cursor() (wire.Cursor, *wire.Cursor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.steps[min(s.i, len(s.steps)-1)]
	s.i++
	return c, nil, nil
}

func TestPollCursorEmitsChangesOnly(t *testing.T) {
	a := wire.Cursor{T: wire.CursorPosition, X: 0.1, Y: 0.2, Visible: true}
	b := wire.Cursor{T: wire.CursorPosition, X: 0.3, Y: 0.2, Visible: true}
	src := &scriptedCursor{Pattern: NewPattern(8, 8), steps: []wire.Cursor{a, a, a, b, b, a}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []wire.Cursor
	err := PollCursor(ctx, src, time.Millisecond, func(c wire.Cursor) {
		got = append(got, c)
		if len(got) == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("PollCursor = %v, want context.Canceled", err)
	}
	want := []float64{0.1, 0.3, 0.1}
	for i, w := range want {
		if got[i].X != w {
			t.Errorf("emit %d: X = %v, want %v (all: %+v)", i, got[i].X, w, got)
		}
	}
}

func TestPollCursorSendsShapeFirst(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var kinds []string
	_ = PollCursor(ctx, NewPattern(8, 8), time.Millisecond, func(c wire.Cursor) {
		kinds = append(kinds, c.T)
		if len(kinds) == 2 {
			cancel()
		}
	})
	if len(kinds) != 2 || kinds[0] != wire.CursorShape || kinds[1] != wire.CursorPosition {
		t.Errorf("emitted kinds = %v, want [shape pos]", kinds)
	}
}

func TestPollCursorUnsupportedWaits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := PollCursor(ctx, unsupportedCursor{NewPattern(8, 8)}, time.Millisecond, func(wire.Cursor) {
		t.Error("emit called for a source without a cursor")
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("PollCursor = %v, want context.DeadlineExceeded", err)
	}
}

type unsupportedCursor struct{ *Pattern }

func (unsupportedCursor) Cursor() (wire.Cursor, *wire.Cursor, error) {
	return wire.Cursor{}, nil, ErrUnsupported
}
