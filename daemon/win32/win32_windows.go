package win32

import "golang.org/x/sys/windows"

var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	gdi32    = windows.NewLazySystemDLL("gdi32.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")
	shell32  = windows.NewLazySystemDLL("shell32.dll")
	dxgi     = windows.NewLazySystemDLL("dxgi.dll")
	d3d11    = windows.NewLazySystemDLL("d3d11.dll")
)

// user32: input, the pointer, hot keys, windows and their messages.
var (
	BeginPaint                 = user32.NewProc("BeginPaint")
	CreateWindowExW            = user32.NewProc("CreateWindowExW")
	DefWindowProcW             = user32.NewProc("DefWindowProcW")
	DestroyWindow              = user32.NewProc("DestroyWindow")
	DispatchMessageW           = user32.NewProc("DispatchMessageW")
	EndPaint                   = user32.NewProc("EndPaint")
	ExitWindowsEx              = user32.NewProc("ExitWindowsEx")
	FillRect                   = user32.NewProc("FillRect")
	GetCursorPos               = user32.NewProc("GetCursorPos")
	GetForegroundWindow        = user32.NewProc("GetForegroundWindow")
	GetKeyboardLayout          = user32.NewProc("GetKeyboardLayout")
	GetMessageW                = user32.NewProc("GetMessageW")
	GetSystemMetrics           = user32.NewProc("GetSystemMetrics")
	GetWindowThreadProcessId   = user32.NewProc("GetWindowThreadProcessId")
	InvalidateRect             = user32.NewProc("InvalidateRect")
	MapVirtualKeyExW           = user32.NewProc("MapVirtualKeyExW")
	PeekMessageW               = user32.NewProc("PeekMessageW")
	PostThreadMessageW         = user32.NewProc("PostThreadMessageW")
	RegisterClassExW           = user32.NewProc("RegisterClassExW")
	RegisterHotKey             = user32.NewProc("RegisterHotKey")
	SendInput                  = user32.NewProc("SendInput")
	SetLayeredWindowAttributes = user32.NewProc("SetLayeredWindowAttributes")
	SetWindowPos               = user32.NewProc("SetWindowPos")
	ShowWindow                 = user32.NewProc("ShowWindow")
	TranslateMessage           = user32.NewProc("TranslateMessage")
	UnregisterClassW           = user32.NewProc("UnregisterClassW")
	UnregisterHotKey           = user32.NewProc("UnregisterHotKey")
)

// user32: DPI awareness (Windows 10 1607 and later; per-monitor v2 from
// 1703).
var (
	AreDpiAwarenessContextsEqual  = user32.NewProc("AreDpiAwarenessContextsEqual")
	GetThreadDpiAwarenessContext  = user32.NewProc("GetThreadDpiAwarenessContext")
	SetProcessDpiAwarenessContext = user32.NewProc("SetProcessDpiAwarenessContext")
)

// user32: which desktop receives input (a UAC prompt's secure desktop is
// not the user's).
var (
	CloseDesktop              = user32.NewProc("CloseDesktop")
	GetUserObjectInformationW = user32.NewProc("GetUserObjectInformationW")
	OpenInputDesktop          = user32.NewProc("OpenInputDesktop")
)

// user32 and gdi32: the cursor's position, visibility and image.
var (
	GetCursorInfo = user32.NewProc("GetCursorInfo")
	GetDC         = user32.NewProc("GetDC")
	GetDIBits     = gdi32.NewProc("GetDIBits")
	GetIconInfo   = user32.NewProc("GetIconInfo")
	GetObjectW    = gdi32.NewProc("GetObjectW")
	LoadCursorW   = user32.NewProc("LoadCursorW")
	ReleaseDC     = user32.NewProc("ReleaseDC")
)

// shell32: starting a program that asks for elevation (the UAC prompt).
var ShellExecuteW = shell32.NewProc("ShellExecuteW")

// dxgi and d3d11: Desktop Duplication (screen capture; the rest of its
// API is reached through COM interfaces).
var (
	CreateDXGIFactory1 = dxgi.NewProc("CreateDXGIFactory1")
	D3D11CreateDevice  = d3d11.NewProc("D3D11CreateDevice")
)

// gdi32: the overlay's drawing.
var (
	BitBlt                 = gdi32.NewProc("BitBlt")
	CreateCompatibleBitmap = gdi32.NewProc("CreateCompatibleBitmap")
	CreateCompatibleDC     = gdi32.NewProc("CreateCompatibleDC")
	CreatePen              = gdi32.NewProc("CreatePen")
	CreateSolidBrush       = gdi32.NewProc("CreateSolidBrush")
	DeleteDC               = gdi32.NewProc("DeleteDC")
	DeleteObject           = gdi32.NewProc("DeleteObject")
	Ellipse                = gdi32.NewProc("Ellipse")
	GetStockObject         = gdi32.NewProc("GetStockObject")
	Polyline               = gdi32.NewProc("Polyline")
	SelectObject           = gdi32.NewProc("SelectObject")
)

// kernel32.
var (
	// AttachConsole lets the GUI-subsystem quickhelp-sharer.exe print to
	// the terminal it was started from (x/sys/windows has no wrapper).
	AttachConsole    = kernel32.NewProc("AttachConsole")
	GetModuleHandleW = kernel32.NewProc("GetModuleHandleW")
)
