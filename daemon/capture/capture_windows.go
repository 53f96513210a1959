//go:build windows

package capture

import (
	"fmt"
	"unsafe"

	"github.com/quickhelp/quickhelp/daemon/win32"
	"github.com/quickhelp/quickhelp/wire"
)

// New returns a polling GDI Source (kbinani/screenshot) that also reports
// the pointer position; DXGI Desktop Duplication and cursor shapes are
// planned.
func New(cfg Config) (Source, error) {
	src, err := NewPolling(cfg)
	if err != nil {
		return nil, err
	}
	return &windowsSource{pollSource: src.(*pollSource)}, nil
}

type windowsSource struct{ *pollSource }

// Cursor reports the pointer position from GetCursorPos; no shape yet.
func (s *windowsSource) Cursor() (wire.Cursor, *wire.Cursor, error) {
	var pt win32.Point
	if r, _, err := win32.GetCursorPos.Call(uintptr(unsafe.Pointer(&pt))); r == 0 {
		return wire.Cursor{}, nil, fmt.Errorf("%w: GetCursorPos: %w", ErrGrab, err)
	}
	s.mu.Lock()
	m := s.monitors[s.current]
	s.mu.Unlock()
	return cursorPosition(int(pt.X), int(pt.Y), m), nil, nil
}
