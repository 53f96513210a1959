package input

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"unicode/utf16"
	"unsafe"

	"github.com/quickhelp/quickhelp/daemon/win32"
)

// mouseInput is MOUSEINPUT.
type mouseInput struct {
	dx, dy    int32
	mouseData uint32
	flags     uint32
	time      uint32
	extraInfo uintptr
}

// keybdInput is KEYBDINPUT.
type keybdInput struct {
	vk, scan  uint16
	flags     uint32
	time      uint32
	extraInfo uintptr
}

// mouseINPUT and keyINPUT are INPUT with each union member; the padding
// makes keyINPUT as large as the union (MOUSEINPUT is the largest member).
type mouseINPUT struct {
	typ uint32
	mi  mouseInput
}

type keyINPUT struct {
	typ uint32
	ki  keybdInput
	_   [8]byte
}

// WindowsConfig configures a Windows injector.
type WindowsConfig struct {
	// Logger is optional; nil discards.
	Logger *slog.Logger
}

// Windows injects input with SendInput: keys by scancode so the sharer's
// layout applies, the pointer in absolute virtual-desktop coordinates.
type Windows struct {
	logger *slog.Logger
	closed atomic.Bool
	mu     sync.Mutex // serialises SendInput batches
}

// NewWindows returns a SendInput injector.
func NewWindows(cfg WindowsConfig) (*Windows, error) {
	if err := win32.SendInput.Find(); err != nil {
		return nil, fmt.Errorf("%w: SendInput: %w", ErrUnsupported, err)
	}
	l := cfg.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &Windows{logger: l.With("component", "input-windows")}, nil
}

func (w *Windows) sendMouse(in ...mouseINPUT) error {
	if w.closed.Load() {
		return ErrClosed
	}
	n, _, err := win32.SendInput.Call(uintptr(len(in)), uintptr(unsafe.Pointer(&in[0])), unsafe.Sizeof(in[0]))
	if int(n) != len(in) {
		return fmt.Errorf("%w: SendInput sent %d of %d: %w", ErrInject, n, len(in), err)
	}
	return nil
}

func (w *Windows) sendKeys(in ...keyINPUT) error {
	if w.closed.Load() {
		return ErrClosed
	}
	if unsafe.Sizeof(in[0]) != unsafe.Sizeof(mouseINPUT{}) {
		return fmt.Errorf("%w: INPUT layout", ErrUnsupported)
	}
	n, _, err := win32.SendInput.Call(uintptr(len(in)), uintptr(unsafe.Pointer(&in[0])), unsafe.Sizeof(in[0]))
	if int(n) != len(in) {
		return fmt.Errorf("%w: SendInput sent %d of %d: %w", ErrInject, n, len(in), err)
	}
	return nil
}

// MoveAbs moves the pointer to desktop pixel (x, y).
func (w *Windows) MoveAbs(x, y int) error {
	vd := winRect{win32.SystemMetric(win32.SMXVirtualScreen), win32.SystemMetric(win32.SMYVirtualScreen),
		win32.SystemMetric(win32.SMCXVirtualScreen), win32.SystemMetric(win32.SMCYVirtualScreen)}
	ax, ay := absoluteVirtualDesk(x, y, vd)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sendMouse(mouseINPUT{typ: winInputMouse, mi: mouseInput{
		dx: ax, dy: ay, flags: winMouseMove | winMouseAbsolute | winMouseVirtualDesk,
	}})
}

// Button presses or releases a mouse button (X numbering).
func (w *Windows) Button(b int, down bool) error {
	flags, data, ok := winButtonFlags(b, down)
	if !ok {
		return fmt.Errorf("%w: button %d", ErrUnsupported, b)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sendMouse(mouseINPUT{typ: winInputMouse, mi: mouseInput{mouseData: data, flags: flags}})
}

// Wheel scrolls dy notches down and dx notches right.
func (w *Windows) Wheel(dx, dy int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if dy != 0 {
		// Windows counts positive as away from the user, which scrolls up.
		d := int32(-dy * winWheelDelta)
		if err := w.sendMouse(mouseINPUT{typ: winInputMouse, mi: mouseInput{mouseData: uint32(d), flags: winMouseWheel}}); err != nil {
			return err
		}
	}
	if dx != 0 {
		d := int32(dx * winWheelDelta)
		return w.sendMouse(mouseINPUT{typ: winInputMouse, mi: mouseInput{mouseData: uint32(d), flags: winMouseHWheel}})
	}
	return nil
}

// Key presses or releases a scancode KeyCode.
func (w *Windows) Key(code KeyCode, down bool) error {
	if code == 0 || code > 0xE0FF {
		return fmt.Errorf("%w: scancode %#x", ErrUnsupported, uint32(code))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if code == 0x45 {
		// Pause has no single scancode (E1 1D 45); send its virtual key.
		var f uint32
		if !down {
			f = winKeyUp
		}
		return w.sendKeys(keyINPUT{typ: winInputKeyboard, ki: keybdInput{vk: winVKPause, flags: f}})
	}
	scan, flags := winKeyFlags(code, down)
	return w.sendKeys(keyINPUT{typ: winInputKeyboard, ki: keybdInput{vk: virtualKey(code), scan: scan, flags: flags}})
}

// mapvkVscToVkEx is MapVirtualKeyEx's MAPVK_VSC_TO_VK_EX: a scan code
// (0xE0 in the high byte for extended keys, as KeyCode has it) to the
// virtual key that tells left from right.
const mapvkVscToVkEx = 3

// virtualKey is the virtual key of code in the keyboard layout of the
// window with the focus. Windows ignores wVk with KEYEVENTF_SCANCODE and
// maps the scan code itself, in that same layout; wine 8 does not, and
// without a virtual key its programs get WM_KEYDOWN but no WM_CHAR. 0 when
// unknown, which Windows does not need.
func virtualKey(code KeyCode) uint16 {
	fg, _, _ := win32.GetForegroundWindow.Call()
	var layout uintptr
	if fg != 0 {
		tid, _, _ := win32.GetWindowThreadProcessId.Call(fg, 0)
		layout, _, _ = win32.GetKeyboardLayout.Call(tid)
	}
	vk, _, _ := win32.MapVirtualKeyExW.Call(uintptr(code), mapvkVscToVkEx, layout)
	return uint16(vk)
}

// Text types s as UTF-16 units with KEYEVENTF_UNICODE. "\n" and "\t"
// press Enter and Tab by scancode (many programs ignore them as Unicode
// input); other control characters are skipped.
func (w *Windows) Text(s string) error {
	var in []keyINPUT
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			sc := uint16(0x1C)
			if r == '\t' {
				sc = 0x0F
			}
			in = append(in,
				keyINPUT{typ: winInputKeyboard, ki: keybdInput{scan: sc, flags: winKeyScancode}},
				keyINPUT{typ: winInputKeyboard, ki: keybdInput{scan: sc, flags: winKeyScancode | winKeyUp}})
			continue
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			in = append(in,
				keyINPUT{typ: winInputKeyboard, ki: keybdInput{scan: u, flags: winKeyUnicode}},
				keyINPUT{typ: winInputKeyboard, ki: keybdInput{scan: u, flags: winKeyUnicode | winKeyUp}})
		}
	}
	if len(in) == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sendKeys(in...)
}

// Close stops further injection.
func (w *Windows) Close() error {
	w.closed.Store(true)
	return nil
}
