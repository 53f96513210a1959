package capture

import (
	"errors"
	"fmt"
	"image"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/daemon/win32"
	"github.com/quickhelp/quickhelp/wire"
)

// Desktop Duplication through DXGI and Direct3D 11, called through COM
// vtables (no cgo): the output that shows the monitor is found among every
// adapter's outputs, a device is made on its adapter, and each frame is
// copied by the GPU into a staging texture the CPU maps and reads only
// where the frame says it changed.

// comObject is a COM interface pointer: its first word is the vtable.
type comObject struct{ vtbl *[64]uintptr }

// call invokes method i of o's vtable.
func (o *comObject) call(i int, args ...uintptr) uintptr {
	r, _, _ := syscall.SyscallN(o.vtbl[i], append([]uintptr{uintptr(unsafe.Pointer(o))}, args...)...)
	return r
}

func (o *comObject) release() {
	if o != nil {
		o.call(2) // IUnknown::Release
	}
}

func (o *comObject) query(iid *windows.GUID) (*comObject, error) {
	var out *comObject
	if hr := o.call(0, uintptr(unsafe.Pointer(iid)), uintptr(unsafe.Pointer(&out))); failed(hr) {
		return nil, hresult(hr)
	}
	return out, nil
}

// Vtable indices (IUnknown is 0–2, IDXGIObject 3–6, ID3D11DeviceChild 3–6).
const (
	factory1EnumAdapters1 = 12
	adapterEnumOutputs    = 7
	outputGetDesc         = 7
	output1Duplicate      = 22
	duplGetDesc           = 7
	duplAcquireNextFrame  = 8
	duplGetDirtyRects     = 9
	duplGetMoveRects      = 10
	duplGetPointerShape   = 11
	duplReleaseFrame      = 14
	deviceCreateTexture2D = 5
	deviceImmediateCtx    = 40
	contextMap            = 14
	contextUnmap          = 15
	contextCopyResource   = 47
)

var (
	iidIDXGIFactory1   = windows.GUID{Data1: 0x770aae78, Data2: 0xf26f, Data3: 0x4dba, Data4: [8]byte{0xa8, 0x29, 0x25, 0x3c, 0x83, 0xd1, 0xb3, 0x87}}
	iidIDXGIOutput1    = windows.GUID{Data1: 0x00cddea8, Data2: 0x939b, Data3: 0x4b83, Data4: [8]byte{0xa3, 0x40, 0xa6, 0x85, 0x22, 0x66, 0x66, 0xcc}}
	iidID3D11Texture2D = windows.GUID{Data1: 0x6f15aaf2, Data2: 0xd208, Data3: 0x4e89, Data4: [8]byte{0x9a, 0xb4, 0x48, 0x95, 0x35, 0xd3, 0x4f, 0x9c}}
)

// HRESULTs that decide between "try again" and "use GDI".
const (
	dxgiErrorNotFound        = 0x887A0002
	dxgiErrorUnsupported     = 0x887A0004
	dxgiErrorAccessLost      = 0x887A0026
	dxgiErrorWaitTimeout     = 0x887A0027
	dxgiErrorSessionDisconn  = 0x887A0028
	dxgiErrorNotAvailable    = 0x887A0022
	eNotImpl                 = 0x80004001
	eAccessDenied            = 0x80070005
	d3dDriverTypeUnknown     = 0
	d3d11CreateBGRASupport   = 0x20
	d3d11SDKVersion          = 7
	dxgiFormatB8G8R8A8       = 87
	d3d11UsageStaging        = 3
	d3d11CPUAccessRead       = 0x20000
	d3d11MapRead             = 1
	dxgiModeRotationIdentity = 1
)

type hresult uintptr

func (h hresult) Error() string { return fmt.Sprintf("HRESULT %#08x", uint32(h)) }

func failed(hr uintptr) bool { return int32(uint32(hr)) < 0 }

type dxgiOutputDesc struct {
	DeviceName         [32]uint16
	DesktopCoordinates win32.Rect
	AttachedToDesktop  int32
	Rotation           uint32
	Monitor            uintptr
}

type dxgiOutduplDesc struct {
	Width, Height, RefreshNum, RefreshDen, Format, ScanlineOrdering, Scaling uint32
	Rotation                                                                 uint32
	DesktopImageInSystemMemory                                               int32
}

type dxgiFrameInfo struct {
	LastPresentTime         int64
	LastMouseUpdateTime     int64
	AccumulatedFrames       uint32
	RectsCoalesced          int32
	ProtectedContentMasked  int32
	PointerPosition         win32.Point
	PointerVisible          int32
	TotalMetadataBufferSize uint32
	PointerShapeBufferSize  uint32
}

type dxgiMoveRect struct {
	Source win32.Point
	Dest   win32.Rect
}

type dxgiPointerShapeInfo struct {
	Type, Width, Height, Pitch uint32
	HotSpot                    win32.Point
}

type d3d11Texture2DDesc struct {
	Width, Height, MipLevels, ArraySize, Format uint32
	SampleCount, SampleQuality                  uint32
	Usage, BindFlags, CPUAccessFlags, MiscFlags uint32
}

type d3d11Mapped struct {
	Data       unsafe.Pointer
	RowPitch   uint32
	DepthPitch uint32
}

// dxgiDup is the real duplicator of one output.
type dxgiDup struct {
	device, context, dupl *comObject
	staging               *comObject // CPU-readable copy of the last frame
	w, h                  int
	mapped                d3d11Mapped
	isMapped              bool
	meta, shape           []byte
}

// openDXGI duplicates the output showing m.
func openDXGI(m wire.Monitor) (duplicator, error) {
	if err := win32.CreateDXGIFactory1.Find(); err != nil {
		return nil, fmt.Errorf("%w: %w", errDupUnsupported, err)
	}
	if err := win32.D3D11CreateDevice.Find(); err != nil {
		return nil, fmt.Errorf("%w: %w", errDupUnsupported, err)
	}
	var factory *comObject
	if hr, _, _ := win32.CreateDXGIFactory1.Call(uintptr(unsafe.Pointer(&iidIDXGIFactory1)), uintptr(unsafe.Pointer(&factory))); failed(hr) {
		return nil, fmt.Errorf("%w: CreateDXGIFactory1: %w", errDupUnsupported, hresult(hr))
	}
	defer factory.release()
	adapter, output, err := findOutput(factory, m)
	if err != nil {
		return nil, err
	}
	defer adapter.release()
	defer output.release()
	d := &dxgiDup{}
	var level uint32
	if hr, _, _ := win32.D3D11CreateDevice.Call(uintptr(unsafe.Pointer(adapter)), d3dDriverTypeUnknown, 0, d3d11CreateBGRASupport,
		0, 0, d3d11SDKVersion, uintptr(unsafe.Pointer(&d.device)), uintptr(unsafe.Pointer(&level)), uintptr(unsafe.Pointer(&d.context))); failed(hr) {
		return nil, fmt.Errorf("%w: D3D11CreateDevice: %w", errDupUnsupported, hresult(hr))
	}
	out1, err := output.query(&iidIDXGIOutput1)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("%w: IDXGIOutput1: %w", errDupUnsupported, err)
	}
	defer out1.release()
	if hr := out1.call(output1Duplicate, uintptr(unsafe.Pointer(d.device)), uintptr(unsafe.Pointer(&d.dupl))); failed(hr) {
		d.Close()
		return nil, classify("DuplicateOutput", hr)
	}
	var desc dxgiOutduplDesc
	d.dupl.call(duplGetDesc, uintptr(unsafe.Pointer(&desc)))
	if desc.Rotation > dxgiModeRotationIdentity {
		// A rotated output's frames come rotated; GDI grabs are upright.
		d.Close()
		return nil, fmt.Errorf("%w: rotated output", errDupUnsupported)
	}
	d.w, d.h = int(desc.Width), int(desc.Height)
	return d, nil
}

// findOutput finds the output whose desktop rectangle is m's.
func findOutput(factory *comObject, m wire.Monitor) (adapter, output *comObject, err error) {
	for a := uintptr(0); ; a++ {
		var ad *comObject
		if hr := factory.call(factory1EnumAdapters1, a, uintptr(unsafe.Pointer(&ad))); failed(hr) {
			break // DXGI_ERROR_NOT_FOUND: no more adapters
		}
		for o := uintptr(0); ; o++ {
			var out *comObject
			if hr := ad.call(adapterEnumOutputs, o, uintptr(unsafe.Pointer(&out))); failed(hr) {
				break
			}
			var desc dxgiOutputDesc
			out.call(outputGetDesc, uintptr(unsafe.Pointer(&desc)))
			r := desc.DesktopCoordinates
			if int(r.Left) == m.X && int(r.Top) == m.Y && int(r.Right-r.Left) == m.Width && int(r.Bottom-r.Top) == m.Height {
				return ad, out, nil
			}
			out.release()
		}
		ad.release()
	}
	return nil, nil, fmt.Errorf("%w: no DXGI output shows monitor %d", errDupUnsupported, m.Index)
}

// classify turns a failure to duplicate or acquire into what the Source
// does about it.
func classify(what string, hr uintptr) error {
	switch uint32(hr) {
	case dxgiErrorAccessLost:
		return fmt.Errorf("%w: %s", errDupLost, what)
	case eNotImpl, dxgiErrorUnsupported, dxgiErrorNotFound:
		return fmt.Errorf("%w: %s: %w", errDupUnsupported, what, hresult(hr))
	case eAccessDenied, dxgiErrorNotAvailable, dxgiErrorSessionDisconn:
		// The secure desktop, too many duplications, a disconnected
		// session: GDI for a while, then again.
		return fmt.Errorf("%s: %w", what, hresult(hr))
	}
	return fmt.Errorf("%w: %s: %w", ErrGrab, what, hresult(hr))
}

func (d *dxgiDup) Size() (int, int) { return d.w, d.h }

// Acquire waits for a frame, reads its metadata and pointer shape, and
// copies it into the staging texture, mapped for Copy until Release.
func (d *dxgiDup) Acquire(timeout time.Duration) (dupFrame, error) {
	var info dxgiFrameInfo
	var res *comObject
	hr := d.dupl.call(duplAcquireNextFrame, uintptr(timeout.Milliseconds()), uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&res)))
	if uint32(hr) == dxgiErrorWaitTimeout {
		return dupFrame{}, errNoChange
	}
	if failed(hr) {
		return dupFrame{}, classify("AcquireNextFrame", hr)
	}
	defer res.release()
	f := dupFrame{Updated: info.AccumulatedFrames > 0}
	if info.PointerShapeBufferSize > 0 {
		f.Shape = d.pointerShape(info.PointerShapeBufferSize)
	}
	if f.Updated {
		f.Dirty, f.Moves, f.Overflow = d.metadata(info.TotalMetadataBufferSize)
		if err := d.stage(res); err != nil {
			d.dupl.call(duplReleaseFrame)
			return dupFrame{}, err
		}
	}
	return f, nil
}

// metadata reads the frame's move and dirty rectangles; overflow when
// they cannot be read.
func (d *dxgiDup) metadata(size uint32) (dirty []image.Rectangle, moves []dupMove, overflow bool) {
	const maxMeta = 1 << 20 // bytes; a larger report counts as "everything"
	if size == 0 || size > maxMeta {
		return nil, nil, size > maxMeta
	}
	if cap(d.meta) < int(size) {
		d.meta = make([]byte, size)
	}
	buf := d.meta[:size]
	var used uint32
	if hr := d.dupl.call(duplGetMoveRects, uintptr(size), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used))); failed(hr) {
		return nil, nil, true
	}
	n := int(used) / int(unsafe.Sizeof(dxgiMoveRect{}))
	for _, m := range unsafe.Slice((*dxgiMoveRect)(unsafe.Pointer(&buf[0])), n) {
		moves = append(moves, dupMove{Src: image.Pt(int(m.Source.X), int(m.Source.Y)), Dst: rectOf(m.Dest)})
	}
	rest := buf[used:]
	if len(rest) < int(unsafe.Sizeof(win32.Rect{})) {
		return nil, nil, true
	}
	if hr := d.dupl.call(duplGetDirtyRects, uintptr(len(rest)), uintptr(unsafe.Pointer(&rest[0])), uintptr(unsafe.Pointer(&used))); failed(hr) {
		return nil, nil, true
	}
	n = int(used) / int(unsafe.Sizeof(win32.Rect{}))
	for _, r := range unsafe.Slice((*win32.Rect)(unsafe.Pointer(&rest[0])), n) {
		dirty = append(dirty, rectOf(r))
	}
	return dirty, moves, false
}

func rectOf(r win32.Rect) image.Rectangle {
	return image.Rect(int(r.Left), int(r.Top), int(r.Right), int(r.Bottom))
}

// pointerShape reads a new pointer shape; nil when it cannot be read.
func (d *dxgiDup) pointerShape(size uint32) *cursorImage {
	const maxShape = wire.MaxCursorSize * wire.MaxCursorSize * 4 * 2
	if size > maxShape {
		return nil
	}
	if cap(d.shape) < int(size) {
		d.shape = make([]byte, size)
	}
	buf := d.shape[:size]
	var used uint32
	var info dxgiPointerShapeInfo
	if hr := d.dupl.call(duplGetPointerShape, uintptr(size), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)),
		uintptr(unsafe.Pointer(&info))); failed(hr) {
		return nil
	}
	h := int(info.Height)
	if info.Type == dxgiPointerMonochrome {
		h /= 2 // AND above XOR
	}
	argb, err := dxgiPointerARGB(info.Type, int(info.Width), h, int(info.Pitch), buf[:used])
	if err != nil {
		return nil
	}
	return &cursorImage{W: int(info.Width), H: h, HotX: int(info.HotSpot.X), HotY: int(info.HotSpot.Y), ARGB: argb}
}

// stage copies the acquired frame into the staging texture and maps it.
func (d *dxgiDup) stage(res *comObject) error {
	tex, err := res.query(&iidID3D11Texture2D)
	if err != nil {
		return fmt.Errorf("%w: frame texture: %w", ErrGrab, err)
	}
	defer tex.release()
	if d.staging == nil {
		desc := d3d11Texture2DDesc{Width: uint32(d.w), Height: uint32(d.h), MipLevels: 1, ArraySize: 1,
			Format: dxgiFormatB8G8R8A8, SampleCount: 1, Usage: d3d11UsageStaging, CPUAccessFlags: d3d11CPUAccessRead}
		if hr := d.device.call(deviceCreateTexture2D, uintptr(unsafe.Pointer(&desc)), 0, uintptr(unsafe.Pointer(&d.staging))); failed(hr) {
			d.staging = nil
			return fmt.Errorf("%w: staging texture: %w", ErrGrab, hresult(hr))
		}
	}
	d.context.call(contextCopyResource, uintptr(unsafe.Pointer(d.staging)), uintptr(unsafe.Pointer(tex)))
	if hr := d.context.call(contextMap, uintptr(unsafe.Pointer(d.staging)), 0, d3d11MapRead, 0, uintptr(unsafe.Pointer(&d.mapped))); failed(hr) {
		return fmt.Errorf("%w: map: %w", ErrGrab, hresult(hr))
	}
	d.isMapped = true
	return nil
}

// Copy reads r of the mapped frame row by row.
func (d *dxgiDup) Copy(dst []byte, stride int, r image.Rectangle) error {
	if !d.isMapped {
		return fmt.Errorf("%w: no frame mapped", ErrGrab)
	}
	if !r.In(image.Rect(0, 0, d.w, d.h)) || len(dst) < stride*d.h {
		return fmt.Errorf("%w: rectangle %v outside %dx%d", ErrGrab, r, d.w, d.h)
	}
	pitch := int(d.mapped.RowPitch)
	src := unsafe.Slice((*byte)(d.mapped.Data), pitch*d.h)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(dst[y*stride+r.Min.X*4:y*stride+r.Max.X*4], src[y*pitch+r.Min.X*4:y*pitch+r.Max.X*4])
	}
	return nil
}

func (d *dxgiDup) Release() error {
	if d.isMapped {
		d.context.call(contextUnmap, uintptr(unsafe.Pointer(d.staging)), 0)
		d.isMapped = false
	}
	if hr := d.dupl.call(duplReleaseFrame); failed(hr) {
		err := classify("ReleaseFrame", hr)
		if errors.Is(err, errDupLost) {
			return err
		}
	}
	return nil
}

func (d *dxgiDup) Close() error {
	if d.isMapped {
		d.context.call(contextUnmap, uintptr(unsafe.Pointer(d.staging)), 0)
		d.isMapped = false
	}
	for _, o := range []**comObject{&d.staging, &d.dupl, &d.context, &d.device} {
		(*o).release()
		*o = nil
	}
	return nil
}
