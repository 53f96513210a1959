//go:build !windows

package input

// NativeKeyCode maps a KeyboardEvent.code to this OS's KeyCode: the X
// keycode on X11 systems.
func NativeKeyCode(code string) (KeyCode, bool) { return X11KeyCode(code) }
