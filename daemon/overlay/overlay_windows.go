package overlay

import (
	"fmt"
	"image"
	"log/slog"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/wire"
)

// WindowsConfig configures NewWindows.
type WindowsConfig struct {
	// Monitor reports the shared monitor in virtual-screen pixels; it is
	// called on every Apply. Optional: nil means the primary monitor.
	Monitor func() wire.Monitor
	// Logger is optional; nil means slog.Default().
	Logger *slog.Logger
	// Now is optional; nil means time.Now.
	Now func() time.Time
}

// Windows draws annotations in a layered, click-through, topmost tool
// window that never activates. Black is the layered window's colour key
// (fully transparent), so strokes in pure black are drawn as #010101.
//
// Win32 windows belong to the thread that created them, so one goroutine
// locked to its OS thread creates the window, pumps its messages and
// paints; Apply only changes the scene and wakes it. Each overlay uses
// one of the process's Win32 callback slots (about 2000): create one per
// daemon, not one per annotation session.
type Windows struct {
	logger  *slog.Logger
	now     func() time.Time
	monitor func() wire.Monitor

	board
}

var (
	user32 = windows.NewLazySystemDLL("user32.dll")
	gdi32  = windows.NewLazySystemDLL("gdi32.dll")
	k32    = windows.NewLazySystemDLL("kernel32.dll")

	procRegisterClassExW           = user32.NewProc("RegisterClassExW")
	procUnregisterClassW           = user32.NewProc("UnregisterClassW")
	procCreateWindowExW            = user32.NewProc("CreateWindowExW")
	procDestroyWindow              = user32.NewProc("DestroyWindow")
	procShowWindow                 = user32.NewProc("ShowWindow")
	procSetLayeredWindowAttributes = user32.NewProc("SetLayeredWindowAttributes")
	procPeekMessageW               = user32.NewProc("PeekMessageW")
	procTranslateMessage           = user32.NewProc("TranslateMessage")
	procDispatchMessageW           = user32.NewProc("DispatchMessageW")
	procDefWindowProcW             = user32.NewProc("DefWindowProcW")
	procInvalidateRect             = user32.NewProc("InvalidateRect")
	procBeginPaint                 = user32.NewProc("BeginPaint")
	procEndPaint                   = user32.NewProc("EndPaint")
	procSetWindowPos               = user32.NewProc("SetWindowPos")
	procFillRect                   = user32.NewProc("FillRect")
	procGetModuleHandleW           = k32.NewProc("GetModuleHandleW")
	procCreateCompatibleDC         = gdi32.NewProc("CreateCompatibleDC")
	procCreateCompatibleBitmap     = gdi32.NewProc("CreateCompatibleBitmap")
	procSelectObject               = gdi32.NewProc("SelectObject")
	procDeleteObject               = gdi32.NewProc("DeleteObject")
	procDeleteDC                   = gdi32.NewProc("DeleteDC")
	procCreatePen                  = gdi32.NewProc("CreatePen")
	procCreateSolidBrush           = gdi32.NewProc("CreateSolidBrush")
	procPolyline                   = gdi32.NewProc("Polyline")
	procEllipse                    = gdi32.NewProc("Ellipse")
	procBitBlt                     = gdi32.NewProc("BitBlt")
	procGetStockObject             = gdi32.NewProc("GetStockObject")
	procGetSystemMetrics           = user32.NewProc("GetSystemMetrics")
)

const (
	wsPopup            = 0x80000000
	wsExLayered        = 0x00080000
	wsExTransparent    = 0x00000020
	wsExTopmost        = 0x00000008
	wsExToolWindow     = 0x00000080
	wsExNoActivate     = 0x08000000
	lwaColorKey        = 0x1
	swShowNoActivate   = 4
	pmRemove           = 0x1
	wmPaint            = 0x000F
	wmNCHitTest        = 0x0084
	wmMouseActivate    = 0x0021
	wmEraseBkgnd       = 0x0014
	htTransparent      = ^uintptr(0) // -1
	maNoActivate       = 3
	hwndTopmost        = ^uintptr(0) // (HWND)-1
	swpNoSize          = 0x0001
	swpNoMove          = 0x0002
	swpNoActivate      = 0x0010
	psSolid            = 0
	nullPen            = 8
	srcCopy            = 0x00CC0020
	tickEvery          = 30 * time.Millisecond
	windowsClassPrefix = "QuickHelpOverlay"
)

type wndClassEx struct {
	Size       uint32
	Style      uint32
	WndProc    uintptr
	ClsExtra   int32
	WndExtra   int32
	Instance   windows.Handle
	Icon       windows.Handle
	Cursor     windows.Handle
	Background windows.Handle
	MenuName   *uint16
	ClassName  *uint16
	IconSm     windows.Handle
}

type winPoint struct{ X, Y int32 }

type winMsg struct {
	Hwnd    uintptr
	Message uint32
	WParam  uintptr
	LParam  uintptr
	Time    uint32
	Pt      winPoint
	_       uint32
}

type winRect struct{ Left, Top, Right, Bottom int32 }

type paintStruct struct {
	Hdc       uintptr
	Erase     int32
	Paint     winRect
	Restore   int32
	IncUpdate int32
	Reserved  [32]byte
}

// NewWindows creates the overlay window on the current desktop.
func NewWindows(cfg WindowsConfig) (*Windows, error) {
	if cfg.Monitor == nil {
		cfg.Monitor = primaryMonitor
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	o := &Windows{
		logger:  cfg.Logger.With("component", "overlay"),
		now:     cfg.Now,
		monitor: cfg.Monitor,
		board:   newBoard(),
	}
	o.mon = o.currentMonitor()
	if o.mon.Empty() {
		return nil, fmt.Errorf("%w: monitor has no size", ErrNoDisplay)
	}
	o.scene = newScene(o.mon.Dx(), o.mon.Dy())
	ready := make(chan error, 1)
	o.wg.Add(1)
	go o.run(ready)
	if err := <-ready; err != nil {
		o.wg.Wait()
		return nil, err
	}
	return o, nil
}

// primaryMonitor is the primary monitor's size (SM_CXSCREEN, SM_CYSCREEN).
func primaryMonitor() wire.Monitor {
	w, _, _ := procGetSystemMetrics.Call(0)
	h, _, _ := procGetSystemMetrics.Call(1)
	return wire.Monitor{Width: int(w), Height: int(h), Primary: true}
}

func (o *Windows) currentMonitor() image.Rectangle {
	m := o.monitor()
	return image.Rect(m.X, m.Y, m.X+m.Width, m.Y+m.Height)
}

// Apply shows one annotation.
func (o *Windows) Apply(a wire.Annotation) error {
	return o.apply(a, o.currentMonitor, o.now, defaultLaserTimeout)
}

// Clear removes every stroke and the laser dot.
func (o *Windows) Clear() error { return o.clear() }

// Close destroys the window and waits for its goroutine.
func (o *Windows) Close() error {
	o.close()
	return nil
}

// Counts reports how many strokes are kept and their total points.
func (o *Windows) Counts() (strokes, points int) { return o.counts() }

func (o *Windows) run(ready chan<- error) {
	defer o.wg.Done()
	runtime.LockOSThread() // the window belongs to this thread
	defer runtime.UnlockOSThread()

	inst, _, _ := procGetModuleHandleW.Call(0)
	className, _ := windows.UTF16PtrFromString(fmt.Sprintf("%s%p", windowsClassPrefix, o))
	title, _ := windows.UTF16PtrFromString("QuickHelp annotations")
	wc := wndClassEx{WndProc: windows.NewCallback(o.wndProc), Instance: windows.Handle(inst), ClassName: className}
	wc.Size = uint32(unsafe.Sizeof(wc))
	if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		ready <- fmt.Errorf("%w: register class: %v", ErrNoDisplay, err)
		return
	}
	defer procUnregisterClassW.Call(uintptr(unsafe.Pointer(className)), inst)
	o.mu.Lock()
	m := o.mon
	o.mu.Unlock()
	hwnd, _, err := procCreateWindowExW.Call(
		wsExLayered|wsExTransparent|wsExTopmost|wsExToolWindow|wsExNoActivate,
		uintptr(unsafe.Pointer(className)), uintptr(unsafe.Pointer(title)), wsPopup,
		uintptr(m.Min.X), uintptr(m.Min.Y), uintptr(m.Dx()), uintptr(m.Dy()), 0, 0, inst, 0)
	if hwnd == 0 {
		ready <- fmt.Errorf("%w: create window: %v", ErrNoDisplay, err)
		return
	}
	defer procDestroyWindow.Call(hwnd)
	procSetLayeredWindowAttributes.Call(hwnd, 0, 0, lwaColorKey) // black is transparent
	procShowWindow.Call(hwnd, swShowNoActivate)
	ready <- nil

	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	lastTop := time.Now()
	for {
		pump()
		dirty := false
		select {
		case <-o.done:
			return
		case <-o.wake:
			dirty = true
		case <-tick.C:
		}
		o.mu.Lock()
		if o.laser != nil && !o.now().Before(o.laserUntil) {
			o.laser = nil
			dirty = true
		}
		geom, m := o.geomDirty, o.mon
		o.geomDirty = false
		o.mu.Unlock()
		if geom {
			procSetWindowPos.Call(hwnd, hwndTopmost, uintptr(m.Min.X), uintptr(m.Min.Y),
				uintptr(m.Dx()), uintptr(m.Dy()), swpNoActivate)
		}
		if time.Since(lastTop) > raiseEvery { // another topmost window may have gone above
			lastTop = time.Now()
			procSetWindowPos.Call(hwnd, hwndTopmost, 0, 0, 0, 0, swpNoMove|swpNoSize|swpNoActivate)
		}
		if dirty || geom { // repainting a full-monitor buffer is not free: only on change
			procInvalidateRect.Call(hwnd, 0, 0)
		}
	}
}

// pump dispatches every queued window message without blocking.
func pump() {
	var msg winMsg
	for {
		r, _, _ := procPeekMessageW.Call(uintptr(unsafe.Pointer(&msg)), 0, 0, 0, pmRemove)
		if r == 0 {
			return
		}
		procTranslateMessage.Call(uintptr(unsafe.Pointer(&msg)))
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&msg)))
	}
}

func (o *Windows) wndProc(hwnd, msg, wparam, lparam uintptr) uintptr {
	switch msg {
	case wmNCHitTest:
		return htTransparent // never the target of the pointer
	case wmMouseActivate:
		return maNoActivate
	case wmEraseBkgnd:
		return 1 // paint erases into the back buffer, avoiding flicker
	case wmPaint:
		o.paint(hwnd)
		return 0
	}
	r, _, _ := procDefWindowProcW.Call(hwnd, msg, wparam, lparam)
	return r
}

// paint renders the scene into a back buffer (black = transparent key)
// and copies it to the window.
func (o *Windows) paint(hwnd uintptr) {
	var ps paintStruct
	hdc, _, _ := procBeginPaint.Call(hwnd, uintptr(unsafe.Pointer(&ps)))
	if hdc == 0 {
		return
	}
	defer procEndPaint.Call(hwnd, uintptr(unsafe.Pointer(&ps)))
	o.mu.Lock()
	defer o.mu.Unlock()
	w, h := o.mon.Dx(), o.mon.Dy()
	mem, _, _ := procCreateCompatibleDC.Call(hdc)
	defer procDeleteDC.Call(mem)
	bmp, _, _ := procCreateCompatibleBitmap.Call(hdc, uintptr(w), uintptr(h))
	defer procDeleteObject.Call(bmp)
	oldBmp, _, _ := procSelectObject.Call(mem, bmp)
	defer procSelectObject.Call(mem, oldBmp)

	black, _, _ := procCreateSolidBrush.Call(0)
	r := winRect{Right: int32(w), Bottom: int32(h)}
	procFillRect.Call(mem, uintptr(unsafe.Pointer(&r)), black)
	procDeleteObject.Call(black)

	for _, st := range o.scene.strokes {
		if len(st.pts) == 0 {
			continue
		}
		pen, _, _ := procCreatePen.Call(psSolid, uintptr(st.width), colorRef(st.rgb))
		old, _, _ := procSelectObject.Call(mem, pen)
		pts := make([]winPoint, 0, max(len(st.pts), 2))
		for _, p := range st.pts {
			pts = append(pts, winPoint{int32(p.X), int32(p.Y)})
		}
		if len(pts) == 1 { // a dot: GDI draws nothing for a one-point polyline
			pts = append(pts, winPoint{pts[0].X + 1, pts[0].Y})
		}
		procPolyline.Call(mem, uintptr(unsafe.Pointer(&pts[0])), uintptr(len(pts)))
		procSelectObject.Call(mem, old)
		procDeleteObject.Call(pen)
	}
	if o.laser != nil {
		brush, _, _ := procCreateSolidBrush.Call(colorRef(LaserColor))
		oldBrush, _, _ := procSelectObject.Call(mem, brush)
		np, _, _ := procGetStockObject.Call(nullPen)
		oldPen, _, _ := procSelectObject.Call(mem, np)
		c := *o.laser
		procEllipse.Call(mem, uintptr(c.X-laserRadius), uintptr(c.Y-laserRadius),
			uintptr(c.X+laserRadius+1), uintptr(c.Y+laserRadius+1))
		procSelectObject.Call(mem, oldPen)
		procSelectObject.Call(mem, oldBrush)
		procDeleteObject.Call(brush)
	}
	procBitBlt.Call(hdc, 0, 0, uintptr(w), uintptr(h), mem, 0, 0, srcCopy)
}

// colorRef converts 0xRRGGBB to a GDI COLORREF (0x00BBGGRR), moving pure
// black off the transparency key.
func colorRef(rgb uint32) uintptr {
	if rgb == 0 {
		rgb = 0x010101
	}
	return uintptr(rgb&0xff)<<16 | uintptr(rgb&0xff00) | uintptr(rgb>>16&0xff)
}
