package overlay

import (
	"image"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// QuickHelp's own windows (the app, its prompt window with the consent
// questions and the sharing bar) are never drawn over: the overlay paints
// them transparent. They are the visible top-level windows of processes
// whose program file is named quickhelp*.exe.

// ownRefreshEvery is how often the overlay looks for those windows while it
// shows something.
const ownRefreshEvery = 100 * time.Millisecond

// dwmwaExtendedFrameBounds asks DwmGetWindowAttribute for a window's
// rectangle on screen, without its invisible resize borders.
const dwmwaExtendedFrameBounds = 9

// maxOwnProcesses bounds the cache of process IDs already looked at.
const maxOwnProcesses = 256

// ownEnum is the state of one EnumWindows walk: the callback is a single
// process-wide Win32 callback (their number is limited), so walks take
// turns under mu.
var ownEnum struct {
	mu    sync.Mutex
	skip  windows.HWND
	out   []image.Rectangle
	procs map[uint32]bool // process ID → is QuickHelp
}

var ownEnumProc = sync.OnceValue(func() uintptr {
	return windows.NewCallback(func(hwnd windows.HWND, _ uintptr) uintptr {
		if hwnd == ownEnum.skip || !windows.IsWindowVisible(hwnd) || len(ownEnum.out) >= maxTopLevels {
			return 1 // next window
		}
		var pid uint32
		if _, err := windows.GetWindowThreadProcessId(hwnd, &pid); err != nil || !isOwnProcess(pid) {
			return 1
		}
		var r windows.Rect
		if windows.DwmGetWindowAttribute(hwnd, dwmwaExtendedFrameBounds, unsafe.Pointer(&r), uint32(unsafe.Sizeof(r))) == nil {
			ownEnum.out = append(ownEnum.out, image.Rect(int(r.Left), int(r.Top), int(r.Right), int(r.Bottom)))
		}
		return 1
	})
})

// ownWindows returns the screen rectangles of QuickHelp's visible
// top-level windows other than the overlay itself.
func ownWindows(overlay windows.HWND) []image.Rectangle {
	ownEnum.mu.Lock()
	defer ownEnum.mu.Unlock()
	ownEnum.skip, ownEnum.out = overlay, nil
	if len(ownEnum.procs) > maxOwnProcesses {
		ownEnum.procs = nil // process IDs are reused: start afresh
	}
	_ = windows.EnumWindows(ownEnumProc(), nil)
	return ownEnum.out
}

// isOwnProcess reports whether pid runs a program named quickhelp*.exe.
// Called with ownEnum.mu held.
func isOwnProcess(pid uint32) bool {
	if own, ok := ownEnum.procs[pid]; ok {
		return own
	}
	own := false
	if h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid); err == nil {
		buf := make([]uint16, windows.MAX_LONG_PATH)
		n := uint32(len(buf))
		if windows.QueryFullProcessImageName(h, 0, &buf[0], &n) == nil {
			name := strings.ToLower(filepath.Base(windows.UTF16ToString(buf[:n])))
			own = strings.HasPrefix(name, "quickhelp")
		}
		windows.CloseHandle(h)
	}
	if ownEnum.procs == nil {
		ownEnum.procs = make(map[uint32]bool)
	}
	ownEnum.procs[pid] = own
	return own
}
