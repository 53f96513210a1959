package capture

import (
	"fmt"
	"unsafe"

	"github.com/quickhelp/quickhelp/daemon/win32"
)

// gdiPointer reads the pointer with GetCursorPos and GetCursorInfo, and its
// image with GetIconInfo and GetDIBits (the cursor shape for GDI capture,
// and what works under wine). It is used by one goroutine at a time (the
// cursor loop).
type gdiPointer struct {
	last uintptr // the HCURSOR last reported
}

// cursorInfo is CURSORINFO.
type cursorInfo struct {
	Size, Flags uint32
	Cursor      uintptr
	Pos         win32.Point
}

// iconInfo is ICONINFO.
type iconInfo struct {
	Icon        int32
	HotX, HotY  uint32
	Mask, Color uintptr
}

// bitmap is BITMAP.
type bitmap struct {
	Type, Width, Height, WidthBytes int32
	Planes, BitsPixel               uint16
	Bits                            uintptr
}

// bitmapInfo is BITMAPINFO with room for the colour table GetDIBits may
// write for a monochrome bitmap.
type bitmapInfo struct {
	Size                      uint32
	Width, Height             int32
	Planes, BitCount          uint16
	Compression, SizeImage    uint32
	XPelsPerMeter, YPelsPerMe int32
	ClrUsed, ClrImportant     uint32
	Colors                    [2]uint32
}

const cursorShowing = 0x00000001

func (p *gdiPointer) info() (cursorInfo, error) {
	ci := cursorInfo{Size: uint32(unsafe.Sizeof(cursorInfo{}))}
	if r, _, err := win32.GetCursorInfo.Call(uintptr(unsafe.Pointer(&ci))); r == 0 {
		return ci, fmt.Errorf("GetCursorInfo: %w", err)
	}
	return ci, nil
}

func (p *gdiPointer) Position() (int, int, bool, error) {
	var pt win32.Point
	if r, _, err := win32.GetCursorPos.Call(uintptr(unsafe.Pointer(&pt))); r == 0 {
		return 0, 0, false, fmt.Errorf("GetCursorPos: %w", err)
	}
	ci, err := p.info()
	if err != nil {
		return int(pt.X), int(pt.Y), true, nil // the position is still right
	}
	return int(pt.X), int(pt.Y), ci.Flags&cursorShowing != 0, nil
}

// idcArrow is IDC_ARROW, the standard arrow.
const idcArrow = 32512

// Shape reads the cursor's image when its handle changed. Where another
// program's cursor cannot be read (wine keeps cursors per process; Windows
// shares them), the standard arrow stands in, so the helper sees a pointer
// of the right size at least.
func (p *gdiPointer) Shape() (*cursorImage, error) {
	ci, err := p.info()
	if err != nil || ci.Cursor == 0 || ci.Cursor == p.last {
		return nil, err
	}
	img, err := iconImage(ci.Cursor)
	if err != nil {
		arrow, _, _ := win32.LoadCursorW.Call(0, idcArrow)
		if arrow == 0 {
			return nil, err
		}
		if img, err = iconImage(arrow); err != nil {
			return nil, err
		}
	}
	p.last = ci.Cursor
	return img, nil
}

// iconImage reads a cursor's bitmaps as 32-bit top-down BGRA.
func iconImage(cursor uintptr) (*cursorImage, error) {
	var ii iconInfo
	if r, _, err := win32.GetIconInfo.Call(cursor, uintptr(unsafe.Pointer(&ii))); r == 0 {
		return nil, fmt.Errorf("GetIconInfo: %w", err)
	}
	defer func() {
		for _, b := range []uintptr{ii.Mask, ii.Color} {
			if b != 0 {
				win32.DeleteObject.Call(b)
			}
		}
	}()
	var bm bitmap
	if r, _, err := win32.GetObjectW.Call(ii.Mask, unsafe.Sizeof(bm), uintptr(unsafe.Pointer(&bm))); r == 0 {
		return nil, fmt.Errorf("GetObjectW: %w", err)
	}
	w, maskH := int(bm.Width), int(bm.Height)
	h := maskH
	if ii.Color == 0 {
		h = maskH / 2 // monochrome: AND above XOR
	}
	if w <= 0 || h <= 0 || w > 1024 || maskH > 2048 {
		return nil, fmt.Errorf("%w: cursor %dx%d", ErrUnsupported, w, h)
	}
	dc, _, _ := win32.GetDC.Call(0)
	if dc == 0 {
		return nil, fmt.Errorf("%w: GetDC", ErrGrab)
	}
	defer win32.ReleaseDC.Call(0, dc)
	mask, err := dibits(dc, ii.Mask, w, maskH)
	if err != nil {
		return nil, err
	}
	var color []byte
	if ii.Color != 0 {
		if color, err = dibits(dc, ii.Color, w, h); err != nil {
			return nil, err
		}
	}
	argb, err := iconARGB(color, mask, w, h)
	if err != nil {
		return nil, err
	}
	return &cursorImage{W: w, H: h, HotX: int(ii.HotX), HotY: int(ii.HotY), ARGB: argb}, nil
}

// dibits reads bitmap b (w×h) as 32-bit top-down BGRA.
func dibits(dc, b uintptr, w, h int) ([]byte, error) {
	bi := bitmapInfo{Width: int32(w), Height: -int32(h), Planes: 1, BitCount: 32}
	bi.Size = 40 // BITMAPINFOHEADER alone
	buf := make([]byte, w*h*4)
	if r, _, err := win32.GetDIBits.Call(dc, b, 0, uintptr(h), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&bi)), 0); r == 0 {
		return nil, fmt.Errorf("GetDIBits: %w", err)
	}
	return buf, nil
}
