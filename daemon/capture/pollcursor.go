package capture

import (
	"context"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// DefaultCursorInterval is how often PollCursor samples the pointer when
// given 0: 60 Hz keeps the remote pointer smooth for a few hundred bytes a
// second, and only while it moves.
const DefaultCursorInterval = time.Second / 60

// PollCursor samples src.Cursor every interval until ctx ends and calls
// emit with each change: a shape message when the cursor image changed
// (before the position that goes with it), and a position message when
// the position or visibility moved. It runs in the caller's goroutine and
// returns ctx's error, or the first Cursor error other than ErrUnsupported
// (then nothing is emitted and it waits for ctx).
func PollCursor(ctx context.Context, src Source, interval time.Duration, emit func(wire.Cursor)) error {
	if interval <= 0 {
		interval = DefaultCursorInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var last wire.Cursor
	sent := false
	for {
		pos, shape, err := src.Cursor()
		switch {
		case err == nil:
			if shape != nil {
				emit(*shape)
			}
			if !sent || pos.X != last.X || pos.Y != last.Y || pos.Visible != last.Visible {
				emit(pos)
				last, sent = pos, true
			}
		case isUnsupported(err):
			<-ctx.Done()
			return ctx.Err()
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
