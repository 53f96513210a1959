//go:build linux

package capture

import (
	"fmt"

	"github.com/jezek/xgb/xfixes"

	"github.com/quickhelp/quickhelp/wire"
)

// Cursor reads the pointer and its image in one XFixes round trip; the
// image is small (typically 24×24), and its serial tells whether the shape
// changed since the last call.
func (s *x11Source) Cursor() (wire.Cursor, *wire.Cursor, error) {
	if s.closed.Load() {
		return wire.Cursor{}, nil, ErrClosed
	}
	r, err := xfixes.GetCursorImage(s.conn).Reply()
	if err != nil {
		return wire.Cursor{}, nil, fmt.Errorf("%w: cursor: %w", ErrGrab, err)
	}
	pos := cursorPosition(int(r.X), int(r.Y), s.monitor())

	s.cursorMu.Lock()
	defer s.cursorMu.Unlock()
	if s.cursorSent && r.CursorSerial == s.cursorSerial {
		return pos, nil, nil
	}
	shape, err := cursorShape(int(r.Width), int(r.Height), int(r.Xhot), int(r.Yhot), r.CursorImage, r.CursorSerial)
	if err != nil {
		// Oversized cursors are not sent; the helper keeps the last shape.
		s.log.Debug("cursor shape skipped", "err", err)
		return pos, nil, nil
	}
	s.cursorSerial, s.cursorSent = r.CursorSerial, true
	return pos, shape, nil
}
