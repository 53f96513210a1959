package input

// NativeKeyCode maps a KeyboardEvent.code to this OS's KeyCode.
func NativeKeyCode(code string) (KeyCode, bool) { return WindowsScancode(code) }
