package main

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32 = windows.NewLazySystemDLL("user32.dll")
	gdi32  = windows.NewLazySystemDLL("gdi32.dll")

	createWindowEx   = user32.NewProc("CreateWindowExW")
	defWindowProc    = user32.NewProc("DefWindowProcW")
	dispatchMessage  = user32.NewProc("DispatchMessageW")
	translateMessage = user32.NewProc("TranslateMessage")
	loadCursor       = user32.NewProc("LoadCursorW")
	getMessage       = user32.NewProc("GetMessageW")
	getSystemMetrics = user32.NewProc("GetSystemMetrics")
	registerClassEx  = user32.NewProc("RegisterClassExW")
	beginPaint       = user32.NewProc("BeginPaint")
	endPaint         = user32.NewProc("EndPaint")
	fillRect         = user32.NewProc("FillRect")
	createSolidBrush = gdi32.NewProc("CreateSolidBrush")
	deleteObject     = gdi32.NewProc("DeleteObject")
	setForeground    = user32.NewProc("SetForegroundWindow")
	getDpiForSystem  = user32.NewProc("GetDpiForSystem")
	setTimer         = user32.NewProc("SetTimer")
	invalidateRect   = user32.NewProc("InvalidateRect")
	setDpiAwareness  = user32.NewProc("SetProcessDpiAwarenessContext")
	threadAwareness  = user32.NewProc("GetThreadDpiAwarenessContext")
	awarenessOf      = user32.NewProc("GetAwarenessFromDpiAwarenessContext")
)

type wndClassEx struct {
	size, style                        uint32
	wndProc                            uintptr
	clsExtra, wndExtra                 int32
	instance, icon, cursor, background uintptr
	menuName, className                *uint16
	iconSm                             uintptr
}

type rect struct{ left, top, right, bottom int32 }

type paintStruct struct {
	hdc        uintptr
	erase      int32
	paint      rect
	restore    int32
	incUpdate  int32
	rgbReserve [32]byte
}

type msg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      [2]int32
	_       uint32
}

const (
	wmPaint   = 0x000F
	wmKeyDown = 0x0100
	wmChar    = 0x0102
	wmLBDown  = 0x0201
	wmTimer   = 0x0113
	wsPopup   = 0x80000000
	wsVisible = 0x10000000
	wsExTop   = 0x00000008
	smCXScr   = 0
	smCYScr   = 1
)

// rgb is a COLORREF.
func rgb(r, g, b byte) uintptr { return uintptr(r) | uintptr(g)<<8 | uintptr(b)<<16 }

var w, h int32

// tick alternates the colour of a 16-pixel square in the top left corner
// every 200 ms, so the screen keeps changing (a test can tell whether frames
// still flow) while the quadrants' centres stay as they are.
var tick bool

var blink = rect{0, 0, 16, 16}

func wndProc(hwnd uintptr, m uint32, wp, lp uintptr) uintptr {
	// What a test checks: where a click landed, which key (by scan code).
	switch m {
	case wmLBDown:
		fmt.Printf("lbuttondown %d %d\n", int16(lp&0xffff), int16(lp>>16&0xffff))
	case wmKeyDown:
		fmt.Printf("keydown scancode=%d\n", lp>>16&0xff)
	case wmChar:
		// What the key typed in the sharer's layout.
		fmt.Printf("char %q\n", rune(wp))
	case wmTimer:
		tick = !tick
		invalidateRect.Call(hwnd, uintptr(unsafe.Pointer(&blink)), 0)
		return 0
	}
	if m == wmPaint {
		var ps paintStruct
		dc, _, _ := beginPaint.Call(hwnd, uintptr(unsafe.Pointer(&ps)))
		quads := []struct {
			r rect
			c uintptr
		}{
			{rect{0, 0, w / 2, h / 2}, rgb(255, 0, 0)},
			{rect{w / 2, 0, w, h / 2}, rgb(0, 255, 0)},
			{rect{0, h / 2, w / 2, h}, rgb(0, 0, 255)},
			{rect{w / 2, h / 2, w, h}, rgb(255, 255, 255)},
		}
		blinkColour := rgb(255, 0, 0)
		if tick {
			blinkColour = rgb(0, 0, 0)
		}
		quads = append(quads, struct {
			r rect
			c uintptr
		}{blink, blinkColour})
		for _, q := range quads {
			brush, _, _ := createSolidBrush.Call(q.c)
			fillRect.Call(dc, uintptr(unsafe.Pointer(&q.r)), brush)
			deleteObject.Call(brush)
		}
		endPaint.Call(hwnd, uintptr(unsafe.Pointer(&ps)))
		return 0
	}
	r, _, _ := defWindowProc.Call(hwnd, uintptr(m), wp, lp)
	return r
}

func main() {
	runtime.LockOSThread()
	// Per-monitor DPI aware like the daemon, so the positions it logs are
	// physical pixels at any scaling: v2 ((DPI_AWARENESS_CONTEXT)-4), or v1
	// (-3) where v2 is unknown. Wine 8 knows no v2 and starts every
	// program per-monitor aware already (the calls then fail); what is in
	// force is printed below.
	if r, _, _ := setDpiAwareness.Call(^uintptr(3)); r == 0 {
		setDpiAwareness.Call(^uintptr(2))
	}
	cx, _, _ := getSystemMetrics.Call(smCXScr)
	cy, _, _ := getSystemMetrics.Call(smCYScr)
	w, h = int32(cx), int32(cy)
	name, _ := windows.UTF16PtrFromString("QuickHelpWinePattern")
	// The standard arrow, as ordinary programs show: the daemon reads its
	// image (GetCursorInfo, GetIconInfo) for the helper.
	const idcArrow = 32512
	arrow, _, _ := loadCursor.Call(0, idcArrow)
	wc := wndClassEx{wndProc: windows.NewCallback(wndProc), className: name, cursor: arrow}
	wc.size = uint32(unsafe.Sizeof(wc))
	if r, _, err := registerClassEx.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		panic(err)
	}
	hwnd, _, err := createWindowEx.Call(wsExTop, uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)),
		wsPopup|wsVisible, 0, 0, cx, cy, 0, 0, 0, 0)
	if hwnd == 0 {
		panic(err)
	}
	setForeground.Call(hwnd)
	setTimer.Call(hwnd, 1, 200, 0)
	dpi, _, _ := getDpiForSystem.Call()
	ctx, _, _ := threadAwareness.Call()
	awareness, _, _ := awarenessOf.Call(ctx) // 2: DPI_AWARENESS_PER_MONITOR_AWARE
	fmt.Printf("pattern window %dx%d awareness %d dpi %d\n", w, h, awareness, dpi)
	var m msg
	for {
		r, _, _ := getMessage.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if int32(r) <= 0 {
			return
		}
		translateMessage.Call(uintptr(unsafe.Pointer(&m))) // WM_CHAR from WM_KEYDOWN
		dispatchMessage.Call(uintptr(unsafe.Pointer(&m)))
	}
}
