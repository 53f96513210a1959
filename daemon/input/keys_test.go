package input

import (
	"fmt"
	"testing"
)

func TestKnownKeyCodes(t *testing.T) {
	tests := []struct {
		code  string
		evdev uint16
		scan  KeyCode
	}{
		{"KeyA", 30, 0x1E},
		{"KeyZ", 44, 0x2C},
		{"KeyY", 21, 0x15},
		{"Enter", 28, 0x1C},
		{"NumpadEnter", 96, 0xE01C},
		{"ArrowLeft", 105, 0xE04B},
		{"MetaLeft", 125, 0xE05B},
		{"MetaRight", 126, 0xE05C},
		{"ControlRight", 97, 0xE01D},
		{"AltRight", 100, 0xE038},
		{"Digit0", 11, 0x0B},
		{"F1", 59, 0x3B},
		{"F12", 88, 0x58},
		{"F24", 194, 0x76},
		{"IntlBackslash", 86, 0x56},
		{"IntlRo", 89, 0x73},
		{"IntlYen", 124, 0x7D},
		{"Lang1", 122, 0x72},
		{"Lang2", 123, 0x71},
		{"NumpadDivide", 98, 0xE035},
		{"PrintScreen", 99, 0xE037},
		{"AudioVolumeMute", 113, 0xE020},
	}
	for _, tt := range tests {
		if ev, ok := EvdevCode(tt.code); !ok || ev != tt.evdev {
			t.Errorf("EvdevCode(%q) = %d,%v want %d,true", tt.code, ev, ok, tt.evdev)
		}
		if kc, ok := X11KeyCode(tt.code); !ok || kc != KeyCode(tt.evdev)+8 {
			t.Errorf("X11KeyCode(%q) = %d,%v want %d,true", tt.code, kc, ok, tt.evdev+8)
		}
		if sc, ok := WindowsScancode(tt.code); !ok || sc != tt.scan {
			t.Errorf("WindowsScancode(%q) = %#x,%v want %#x,true", tt.code, sc, ok, tt.scan)
		}
	}
	for _, code := range []string{"", "keya", "Fn", "KeyNope", "F25"} {
		if _, ok := EvdevCode(code); ok {
			t.Errorf("EvdevCode(%q) ok = true, want false", code)
		}
		if _, ok := WindowsScancode(code); ok {
			t.Errorf("WindowsScancode(%q) ok = true, want false", code)
		}
	}
}

// The table covers every key of a full keyboard, and no two codes share a
// native code except the documented aliases.
func TestKeyTableComplete(t *testing.T) {
	var want []string
	for c := 'A'; c <= 'Z'; c++ {
		want = append(want, "Key"+string(c))
	}
	for d := range 10 {
		want = append(want, fmt.Sprintf("Digit%d", d), fmt.Sprintf("Numpad%d", d))
	}
	for f := 1; f <= 24; f++ {
		want = append(want, fmt.Sprintf("F%d", f))
	}
	want = append(want, "Backquote", "Backslash", "BracketLeft", "BracketRight", "Comma", "Equal", "Minus",
		"Period", "Quote", "Semicolon", "Slash", "IntlBackslash", "IntlRo", "IntlYen", "Lang1", "Lang2",
		"AltLeft", "AltRight", "ControlLeft", "ControlRight", "ShiftLeft", "ShiftRight", "MetaLeft", "MetaRight",
		"CapsLock", "ContextMenu", "Enter", "Space", "Tab", "Backspace", "Escape",
		"Delete", "End", "Home", "Insert", "PageDown", "PageUp", "ArrowDown", "ArrowLeft", "ArrowRight", "ArrowUp",
		"NumLock", "NumpadAdd", "NumpadDecimal", "NumpadDivide", "NumpadEnter", "NumpadMultiply", "NumpadSubtract",
		"NumpadEqual", "NumpadComma", "PrintScreen", "ScrollLock", "Pause",
		"AudioVolumeMute", "AudioVolumeDown", "AudioVolumeUp", "MediaPlayPause", "MediaStop",
		"MediaTrackNext", "MediaTrackPrevious")
	for _, code := range want {
		if _, ok := EvdevCode(code); !ok {
			t.Errorf("EvdevCode(%q) missing", code)
		}
	}
	aliases := map[string]bool{"OSLeft": true, "OSRight": true}
	evSeen := map[uint16]string{}
	scSeen := map[uint16]string{}
	for code, e := range keyTable {
		if aliases[code] {
			continue
		}
		if prev, dup := evSeen[e.evdev]; dup {
			t.Errorf("evdev %d used by %q and %q", e.evdev, prev, code)
		}
		evSeen[e.evdev] = code
		if e.scancode != 0 {
			if prev, dup := scSeen[e.scancode]; dup {
				t.Errorf("scancode %#x used by %q and %q", e.scancode, prev, code)
			}
			scSeen[e.scancode] = code
			if hi := e.scancode >> 8; hi != 0 && hi != 0xE0 {
				t.Errorf("scancode %#x of %q has a prefix other than E0", e.scancode, code)
			}
		}
		if e.evdev == 0 || e.evdev > 247 {
			t.Errorf("evdev %d of %q does not fit an X keycode", e.evdev, code)
		}
	}
}

func TestAbsoluteVirtualDesk(t *testing.T) {
	tests := []struct {
		x, y   int
		vd     winRect
		ax, ay int32
	}{
		{0, 0, winRect{0, 0, 1920, 1080}, 0, 0},
		{1919, 1079, winRect{0, 0, 1920, 1080}, 65535, 65535},
		{480, 540, winRect{0, 0, 1920, 1080}, 16392, 32798},
		// Two monitors, the second left of the primary.
		{-1920, 0, winRect{-1920, 0, 3840, 1080}, 0, 0},
		{0, 0, winRect{-1920, 0, 3840, 1080}, 32776, 0},
		// Outside is clamped to the edge.
		{5000, -10, winRect{0, 0, 1920, 1080}, 65535, 0},
		{10, 10, winRect{0, 0, 1, 1}, 0, 0},
	}
	for _, tt := range tests {
		ax, ay := absoluteVirtualDesk(tt.x, tt.y, tt.vd)
		if ax != tt.ax || ay != tt.ay {
			t.Errorf("absoluteVirtualDesk(%d, %d, %+v) = %d,%d want %d,%d", tt.x, tt.y, tt.vd, ax, ay, tt.ax, tt.ay)
		}
	}
}

func TestWinKeyAndButtonFlags(t *testing.T) {
	keys := []struct {
		code  KeyCode
		down  bool
		scan  uint16
		flags uint32
	}{
		{0x1E, true, 0x1E, winKeyScancode},
		{0x1E, false, 0x1E, winKeyScancode | winKeyUp},
		{0xE04B, true, 0x4B, winKeyScancode | winKeyExtended},
		{0xE01C, false, 0x1C, winKeyScancode | winKeyExtended | winKeyUp},
	}
	for _, tt := range keys {
		scan, flags := winKeyFlags(tt.code, tt.down)
		if scan != tt.scan || flags != tt.flags {
			t.Errorf("winKeyFlags(%#x, %v) = %#x,%#x want %#x,%#x", tt.code, tt.down, scan, flags, tt.scan, tt.flags)
		}
	}
	btns := []struct {
		b           int
		down        bool
		flags, data uint32
		ok          bool
	}{
		{ButtonLeft, true, winMouseLeftDown, 0, true},
		{ButtonRight, false, winMouseRightUp, 0, true},
		{ButtonMiddle, true, winMouseMiddleDown, 0, true},
		{ButtonBack, true, winMouseXDown, winXButton1, true},
		{ButtonForward, false, winMouseXUp, winXButton2, true},
		{4, true, 0, 0, false},
	}
	for _, tt := range btns {
		f, d, ok := winButtonFlags(tt.b, tt.down)
		if f != tt.flags || d != tt.data || ok != tt.ok {
			t.Errorf("winButtonFlags(%d, %v) = %#x,%d,%v want %#x,%d,%v", tt.b, tt.down, f, d, ok, tt.flags, tt.data, tt.ok)
		}
	}
}
