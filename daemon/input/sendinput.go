package input

// Flags and constants of the Windows SendInput API, kept without a build
// tag so the arithmetic around them is unit-tested on every OS.
const (
	winInputMouse    = 0
	winInputKeyboard = 1

	winMouseMove        = 0x0001
	winMouseLeftDown    = 0x0002
	winMouseLeftUp      = 0x0004
	winMouseRightDown   = 0x0008
	winMouseRightUp     = 0x0010
	winMouseMiddleDown  = 0x0020
	winMouseMiddleUp    = 0x0040
	winMouseXDown       = 0x0080
	winMouseXUp         = 0x0100
	winMouseWheel       = 0x0800
	winMouseHWheel      = 0x1000
	winMouseVirtualDesk = 0x4000
	winMouseAbsolute    = 0x8000
	winWheelDelta       = 120
	winXButton1         = 0x0001
	winXButton2         = 0x0002

	winKeyExtended = 0x0001
	winKeyUp       = 0x0002
	winKeyUnicode  = 0x0004
	winKeyScancode = 0x0008

	winVKPause = 0x13
)

// winRect is the virtual desktop: the bounding box of every monitor.
type winRect struct{ X, Y, W, H int }

// absoluteVirtualDesk converts a desktop pixel to the 0..65535 coordinates
// MOUSEEVENTF_ABSOLUTE|MOUSEEVENTF_VIRTUALDESK expects: the first pixel of
// the virtual desktop is 0 and the last is 65535, rounded to nearest.
func absoluteVirtualDesk(x, y int, vd winRect) (int32, int32) {
	norm := func(v, origin, size int) int32 {
		if size <= 1 {
			return 0
		}
		v = min(max(v-origin, 0), size-1)
		return int32((int64(v)*65535*2 + int64(size-1)) / (2 * int64(size-1)))
	}
	return norm(x, vd.X, vd.W), norm(y, vd.Y, vd.H)
}

// winButtonFlags returns the MOUSEINPUT flags and mouseData of an X-numbered
// button event.
func winButtonFlags(b int, down bool) (flags, data uint32, ok bool) {
	pick := func(d, u uint32) uint32 {
		if down {
			return d
		}
		return u
	}
	switch b {
	case ButtonLeft:
		return pick(winMouseLeftDown, winMouseLeftUp), 0, true
	case ButtonMiddle:
		return pick(winMouseMiddleDown, winMouseMiddleUp), 0, true
	case ButtonRight:
		return pick(winMouseRightDown, winMouseRightUp), 0, true
	case ButtonBack:
		return pick(winMouseXDown, winMouseXUp), winXButton1, true
	case ButtonForward:
		return pick(winMouseXDown, winMouseXUp), winXButton2, true
	}
	return 0, 0, false
}

// winKeyFlags returns wScan and dwFlags for a scancode KeyCode.
func winKeyFlags(code KeyCode, down bool) (scan uint16, flags uint32) {
	scan, ext := scancodeParts(code)
	flags = winKeyScancode
	if ext {
		flags |= winKeyExtended
	}
	if !down {
		flags |= winKeyUp
	}
	return scan, flags
}
