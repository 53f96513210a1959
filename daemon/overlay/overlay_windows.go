package overlay

import (
	"fmt"
	"image"
	"log/slog"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/daemon/win32"
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

	// own is QuickHelp's own windows in screen pixels, never drawn over;
	// used by the window's thread alone (run and paint).
	own []image.Rectangle

	board
}

const (
	wsPopup            = 0x80000000
	wsExLayered        = 0x00080000
	wsExTransparent    = 0x00000020
	wsExTopmost        = 0x00000008
	wsExToolWindow     = 0x00000080
	wsExNoActivate     = 0x08000000
	lwaColorKey        = 0x1
	swShowNoActivate   = 4
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

type paintStruct struct {
	Hdc       uintptr
	Erase     int32
	Paint     win32.Rect
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
	w, h := win32.SystemMetric(win32.SMCXScreen), win32.SystemMetric(win32.SMCYScreen)
	return wire.Monitor{Width: w, Height: h, Primary: true}
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

// Hide hides every annotation while a question is pending (see Overlay).
func (o *Windows) Hide(hidden bool) error { return o.hide(hidden) }

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

	inst, _, _ := win32.GetModuleHandleW.Call(0)
	className, _ := windows.UTF16PtrFromString(fmt.Sprintf("%s%p", windowsClassPrefix, o))
	title, _ := windows.UTF16PtrFromString("QuickHelp annotations")
	wc := wndClassEx{WndProc: windows.NewCallback(o.wndProc), Instance: windows.Handle(inst), ClassName: className}
	wc.Size = uint32(unsafe.Sizeof(wc))
	if r, _, err := win32.RegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		ready <- fmt.Errorf("%w: register class: %v", ErrNoDisplay, err)
		return
	}
	defer win32.UnregisterClassW.Call(uintptr(unsafe.Pointer(className)), inst)
	o.mu.Lock()
	m := o.mon
	o.mu.Unlock()
	hwnd, _, err := win32.CreateWindowExW.Call(
		wsExLayered|wsExTransparent|wsExTopmost|wsExToolWindow|wsExNoActivate,
		uintptr(unsafe.Pointer(className)), uintptr(unsafe.Pointer(title)), wsPopup,
		uintptr(m.Min.X), uintptr(m.Min.Y), uintptr(m.Dx()), uintptr(m.Dy()), 0, 0, inst, 0)
	if hwnd == 0 {
		ready <- fmt.Errorf("%w: create window: %v", ErrNoDisplay, err)
		return
	}
	defer win32.DestroyWindow.Call(hwnd)
	win32.SetLayeredWindowAttributes.Call(hwnd, 0, 0, lwaColorKey) // black is transparent
	win32.ShowWindow.Call(hwnd, swShowNoActivate)
	ready <- nil

	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	lastTop := time.Now()
	var lastOwn time.Time
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
		drawing := !o.hidden && (len(o.scene.strokes) > 0 || o.laser != nil)
		o.mu.Unlock()
		if drawing && time.Since(lastOwn) >= ownRefreshEvery {
			lastOwn = time.Now()
			if own := ownWindows(windows.HWND(hwnd)); !sameRects(own, o.own) {
				o.own, dirty = own, true
			}
		}
		if geom {
			win32.SetWindowPos.Call(hwnd, hwndTopmost, uintptr(m.Min.X), uintptr(m.Min.Y),
				uintptr(m.Dx()), uintptr(m.Dy()), swpNoActivate)
		}
		if time.Since(lastTop) > raiseEvery { // another topmost window may have gone above
			lastTop = time.Now()
			win32.SetWindowPos.Call(hwnd, hwndTopmost, 0, 0, 0, 0, swpNoMove|swpNoSize|swpNoActivate)
		}
		if dirty || geom { // repainting a full-monitor buffer is not free: only on change
			win32.InvalidateRect.Call(hwnd, 0, 0)
		}
	}
}

// pump dispatches every queued window message without blocking.
func pump() {
	var msg win32.Msg
	for {
		r, _, _ := win32.PeekMessageW.Call(uintptr(unsafe.Pointer(&msg)), 0, 0, 0, win32.PMRemove)
		if r == 0 {
			return
		}
		win32.TranslateMessage.Call(uintptr(unsafe.Pointer(&msg)))
		win32.DispatchMessageW.Call(uintptr(unsafe.Pointer(&msg)))
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
	r, _, _ := win32.DefWindowProcW.Call(hwnd, msg, wparam, lparam)
	return r
}

// paint renders the scene into a back buffer (black = transparent key)
// and copies it to the window.
func (o *Windows) paint(hwnd uintptr) {
	var ps paintStruct
	hdc, _, _ := win32.BeginPaint.Call(hwnd, uintptr(unsafe.Pointer(&ps)))
	if hdc == 0 {
		return
	}
	defer win32.EndPaint.Call(hwnd, uintptr(unsafe.Pointer(&ps)))
	o.mu.Lock()
	defer o.mu.Unlock()
	w, h := o.mon.Dx(), o.mon.Dy()
	mem, _, _ := win32.CreateCompatibleDC.Call(hdc)
	defer win32.DeleteDC.Call(mem)
	bmp, _, _ := win32.CreateCompatibleBitmap.Call(hdc, uintptr(w), uintptr(h))
	defer win32.DeleteObject.Call(bmp)
	oldBmp, _, _ := win32.SelectObject.Call(mem, bmp)
	defer win32.SelectObject.Call(mem, oldBmp)

	black, _, _ := win32.CreateSolidBrush.Call(0)
	r := win32.Rect{Right: int32(w), Bottom: int32(h)}
	win32.FillRect.Call(mem, uintptr(unsafe.Pointer(&r)), black)
	win32.DeleteObject.Call(black)

	for _, st := range o.scene.strokes {
		if len(st.pts) == 0 || o.hidden { // hidden: the buffer stays all transparent
			continue
		}
		pen, _, _ := win32.CreatePen.Call(psSolid, uintptr(st.width), colorRef(st.rgb))
		old, _, _ := win32.SelectObject.Call(mem, pen)
		pts := make([]win32.Point, 0, max(len(st.pts), 2))
		for _, p := range st.pts {
			pts = append(pts, win32.Point{X: int32(p.X), Y: int32(p.Y)})
		}
		if len(pts) == 1 { // a dot: GDI draws nothing for a one-point polyline
			pts = append(pts, win32.Point{X: pts[0].X + 1, Y: pts[0].Y})
		}
		win32.Polyline.Call(mem, uintptr(unsafe.Pointer(&pts[0])), uintptr(len(pts)))
		win32.SelectObject.Call(mem, old)
		win32.DeleteObject.Call(pen)
	}
	if o.laser != nil {
		brush, _, _ := win32.CreateSolidBrush.Call(colorRef(LaserColor))
		oldBrush, _, _ := win32.SelectObject.Call(mem, brush)
		np, _, _ := win32.GetStockObject.Call(nullPen)
		oldPen, _, _ := win32.SelectObject.Call(mem, np)
		c := *o.laser
		win32.Ellipse.Call(mem, uintptr(c.X-laserRadius), uintptr(c.Y-laserRadius),
			uintptr(c.X+laserRadius+1), uintptr(c.Y+laserRadius+1))
		win32.SelectObject.Call(mem, oldPen)
		win32.SelectObject.Call(mem, oldBrush)
		win32.DeleteObject.Call(brush)
	}
	// Nothing is ever shown over QuickHelp's own windows: black is the
	// transparent key.
	if len(o.own) > 0 {
		transparent, _, _ := win32.CreateSolidBrush.Call(0)
		for _, r := range o.own {
			if r = r.Intersect(o.mon).Sub(o.mon.Min); !r.Empty() {
				wr := win32.Rect{Left: int32(r.Min.X), Top: int32(r.Min.Y), Right: int32(r.Max.X), Bottom: int32(r.Max.Y)}
				win32.FillRect.Call(mem, uintptr(unsafe.Pointer(&wr)), transparent)
			}
		}
		win32.DeleteObject.Call(transparent)
	}
	win32.BitBlt.Call(hdc, 0, 0, uintptr(w), uintptr(h), mem, 0, 0, srcCopy)
}

// colorRef converts 0xRRGGBB to a GDI COLORREF (0x00BBGGRR), moving pure
// black off the transparency key.
func colorRef(rgb uint32) uintptr {
	if rgb == 0 {
		rgb = 0x010101
	}
	return uintptr(rgb&0xff)<<16 | uintptr(rgb&0xff00) | uintptr(rgb>>16&0xff)
}
