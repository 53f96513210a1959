package win32

// Point is POINT.
type Point struct{ X, Y int32 }

// Rect is RECT.
type Rect struct{ Left, Top, Right, Bottom int32 }

// Msg is MSG, as GetMessageW and PeekMessageW fill it.
type Msg struct {
	Hwnd    uintptr
	Message uint32
	WParam  uintptr
	LParam  uintptr
	Time    uint32
	Pt      Point
	_       uint32 // lPrivate
}

// Messages and PeekMessageW flags of the daemon's message loops.
const (
	WMQuit = 0x0012
	WMUser = 0x0400

	PMNoRemove = 0x0000
	PMRemove   = 0x0001
)

// AttachParentProcess is AttachConsole's ATTACH_PARENT_PROCESS ((DWORD)-1).
const AttachParentProcess = 0xFFFFFFFF

// GetSystemMetrics indices.
const (
	SMCXScreen        = 0
	SMCYScreen        = 1
	SMXVirtualScreen  = 76
	SMYVirtualScreen  = 77
	SMCXVirtualScreen = 78
	SMCYVirtualScreen = 79
)

// SystemMetric returns GetSystemMetrics(i).
func SystemMetric(i uintptr) int {
	v, _, _ := GetSystemMetrics.Call(i)
	return int(int32(v))
}

// DPI_AWARENESS_CONTEXT values: pseudo-handles (DPI_AWARENESS_CONTEXT)-3
// and -4.
const (
	DPIAwarenessContextPerMonitor   = ^uintptr(2) // -3
	DPIAwarenessContextPerMonitorV2 = ^uintptr(3) // -4
)
