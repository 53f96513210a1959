// Package win32 is the daemon's one table of Win32 functions: every
// package of the daemon that calls user32, gdi32, kernel32, shell32, dxgi
// or d3d11 (capture, input, overlay, hotkey, desktop, actions) uses the
// procs declared here, and nothing else under daemon/ loads a DLL
// (daemon/platform_test.go enforces it).
//
// One table means each DLL is loaded once, from the system directory only
// (NewLazySystemDLL, never the search path a planted DLL could sit on),
// and a reviewer sees in one file every Win32 function the daemon can
// call. Structures that more than one package passes to these functions
// (MSG, POINT, RECT) live here too.
//
// The package is empty on other systems (see daemon/x11 for X11).
package win32
