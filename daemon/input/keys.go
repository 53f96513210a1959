package input

// keyEntry maps one KeyboardEvent.code to its Linux evdev code and its
// Windows set-1 scancode (0xE0xx for extended keys; 0 where Windows has no
// scancode). Values follow the UI Events KeyboardEvent code specification
// and the USB HID → evdev → PS/2 set-1 translation tables. Physical codes
// are sent, never characters, so the SHARER's layout decides what a key
// types: with a German layout, KeyZ types "y".
type keyEntry struct {
	evdev    uint16
	scancode uint16
}

var keyTable = map[string]keyEntry{
	// Writing system keys.
	"Backquote": {41, 0x29}, "Backslash": {43, 0x2B}, "BracketLeft": {26, 0x1A}, "BracketRight": {27, 0x1B},
	"Comma": {51, 0x33}, "Equal": {13, 0x0D}, "Minus": {12, 0x0C}, "Period": {52, 0x34},
	"Quote": {40, 0x28}, "Semicolon": {39, 0x27}, "Slash": {53, 0x35},
	"IntlBackslash": {86, 0x56}, "IntlRo": {89, 0x73}, "IntlYen": {124, 0x7D},
	"Digit1": {2, 0x02}, "Digit2": {3, 0x03}, "Digit3": {4, 0x04}, "Digit4": {5, 0x05}, "Digit5": {6, 0x06},
	"Digit6": {7, 0x07}, "Digit7": {8, 0x08}, "Digit8": {9, 0x09}, "Digit9": {10, 0x0A}, "Digit0": {11, 0x0B},
	"KeyQ": {16, 0x10}, "KeyW": {17, 0x11}, "KeyE": {18, 0x12}, "KeyR": {19, 0x13}, "KeyT": {20, 0x14},
	"KeyY": {21, 0x15}, "KeyU": {22, 0x16}, "KeyI": {23, 0x17}, "KeyO": {24, 0x18}, "KeyP": {25, 0x19},
	"KeyA": {30, 0x1E}, "KeyS": {31, 0x1F}, "KeyD": {32, 0x20}, "KeyF": {33, 0x21}, "KeyG": {34, 0x22},
	"KeyH": {35, 0x23}, "KeyJ": {36, 0x24}, "KeyK": {37, 0x25}, "KeyL": {38, 0x26},
	"KeyZ": {44, 0x2C}, "KeyX": {45, 0x2D}, "KeyC": {46, 0x2E}, "KeyV": {47, 0x2F}, "KeyB": {48, 0x30},
	"KeyN": {49, 0x31}, "KeyM": {50, 0x32},

	// Functional keys.
	"AltLeft": {56, 0x38}, "AltRight": {100, 0xE038}, "CapsLock": {58, 0x3A}, "ContextMenu": {127, 0xE05D},
	"ControlLeft": {29, 0x1D}, "ControlRight": {97, 0xE01D}, "Enter": {28, 0x1C},
	"MetaLeft": {125, 0xE05B}, "MetaRight": {126, 0xE05C},
	"OSLeft": {125, 0xE05B}, "OSRight": {126, 0xE05C}, // older Firefox names of the Meta keys
	"ShiftLeft": {42, 0x2A}, "ShiftRight": {54, 0x36}, "Space": {57, 0x39}, "Tab": {15, 0x0F},
	"Backspace": {14, 0x0E},
	"Convert":   {92, 0x79}, "KanaMode": {93, 0x70}, "NonConvert": {94, 0x7B},
	"Lang1": {122, 0x72}, "Lang2": {123, 0x71}, "Lang3": {90, 0x78}, "Lang4": {91, 0x77}, "Lang5": {85, 0},

	// Control pad and arrows.
	"Delete": {111, 0xE053}, "End": {107, 0xE04F}, "Help": {138, 0xE03B}, "Home": {102, 0xE047},
	"Insert": {110, 0xE052}, "PageDown": {109, 0xE051}, "PageUp": {104, 0xE049},
	"ArrowDown": {108, 0xE050}, "ArrowLeft": {105, 0xE04B}, "ArrowRight": {106, 0xE04D}, "ArrowUp": {103, 0xE048},

	// Numpad. Windows reports NumLock as extended 0x45 and Pause as plain
	// 0x45 (its E1 prefix dropped); the injector sends Pause by virtual key.
	"NumLock": {69, 0xE045}, "Numpad0": {82, 0x52}, "Numpad1": {79, 0x4F}, "Numpad2": {80, 0x50},
	"Numpad3": {81, 0x51}, "Numpad4": {75, 0x4B}, "Numpad5": {76, 0x4C}, "Numpad6": {77, 0x4D},
	"Numpad7": {71, 0x47}, "Numpad8": {72, 0x48}, "Numpad9": {73, 0x49},
	"NumpadAdd": {78, 0x4E}, "NumpadComma": {121, 0x7E}, "NumpadDecimal": {83, 0x53},
	"NumpadDivide": {98, 0xE035}, "NumpadEnter": {96, 0xE01C}, "NumpadEqual": {117, 0x59},
	"NumpadMultiply": {55, 0x37}, "NumpadSubtract": {74, 0x4A},
	"NumpadParenLeft": {179, 0}, "NumpadParenRight": {180, 0},

	// Function section.
	"Escape": {1, 0x01}, "PrintScreen": {99, 0xE037}, "ScrollLock": {70, 0x46}, "Pause": {119, 0x45},
	"F1": {59, 0x3B}, "F2": {60, 0x3C}, "F3": {61, 0x3D}, "F4": {62, 0x3E}, "F5": {63, 0x3F}, "F6": {64, 0x40},
	"F7": {65, 0x41}, "F8": {66, 0x42}, "F9": {67, 0x43}, "F10": {68, 0x44}, "F11": {87, 0x57}, "F12": {88, 0x58},
	"F13": {183, 0x64}, "F14": {184, 0x65}, "F15": {185, 0x66}, "F16": {186, 0x67}, "F17": {187, 0x68},
	"F18": {188, 0x69}, "F19": {189, 0x6A}, "F20": {190, 0x6B}, "F21": {191, 0x6C}, "F22": {192, 0x6D},
	"F23": {193, 0x6E}, "F24": {194, 0x76},

	// Editing keys of some keyboards.
	"Again": {129, 0}, "Copy": {133, 0xE018}, "Cut": {137, 0xE017}, "Find": {136, 0}, "Open": {134, 0},
	"Paste": {135, 0xE00A}, "Select": {132, 0}, "Undo": {131, 0xE008},

	// Media, browser and system keys.
	"AudioVolumeMute": {113, 0xE020}, "AudioVolumeDown": {114, 0xE02E}, "AudioVolumeUp": {115, 0xE030},
	"MediaPlayPause": {164, 0xE022}, "MediaStop": {166, 0xE024}, "MediaTrackNext": {163, 0xE019},
	"MediaTrackPrevious": {165, 0xE010}, "MediaSelect": {171, 0xE06D}, "MediaPlay": {207, 0},
	"MediaRecord": {167, 0}, "MediaFastForward": {208, 0}, "MediaRewind": {168, 0}, "Eject": {161, 0xE02C},
	"LaunchApp1": {144, 0xE06B}, "LaunchApp2": {140, 0xE021}, "LaunchMail": {155, 0xE06C},
	"BrowserBack": {158, 0xE06A}, "BrowserFavorites": {156, 0xE066}, "BrowserForward": {159, 0xE069},
	"BrowserHome": {172, 0xE032}, "BrowserRefresh": {173, 0xE067}, "BrowserSearch": {217, 0xE065},
	"BrowserStop":    {128, 0xE068},
	"BrightnessDown": {224, 0}, "BrightnessUp": {225, 0},
	"Power": {116, 0xE05E}, "Sleep": {142, 0xE05F}, "WakeUp": {143, 0xE063},
}

// EvdevCode returns the Linux evdev code of a KeyboardEvent.code.
func EvdevCode(code string) (uint16, bool) {
	e, ok := keyTable[code]
	if !ok || e.evdev == 0 {
		return 0, false
	}
	return e.evdev, true
}

// X11KeyCode returns the X keycode of a KeyboardEvent.code: evdev + 8, as
// on every X server using the evdev keycode rules (Xorg, Xvfb).
func X11KeyCode(code string) (KeyCode, bool) {
	ev, ok := EvdevCode(code)
	if !ok {
		return 0, false
	}
	return KeyCode(ev) + 8, true
}

// WindowsScancode returns the set-1 scancode of a KeyboardEvent.code, with
// 0xE000 added for extended keys (send them with KEYEVENTF_EXTENDEDKEY).
func WindowsScancode(code string) (KeyCode, bool) {
	e, ok := keyTable[code]
	if !ok || e.scancode == 0 {
		return 0, false
	}
	return KeyCode(e.scancode), true
}

// scancodeParts splits a Windows KeyCode into the scancode byte and
// whether it is extended.
func scancodeParts(k KeyCode) (scan uint16, extended bool) {
	return uint16(k & 0xFF), k&0xFF00 == 0xE000
}
