package main

import (
	"os"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/daemon/win32"
)

// attachConsole: quickhelp-sharer.exe is a GUI-subsystem program
// (-H=windowsgui, scripts/dist.sh), so Windows opens no console window when
// the app starts it. Started from a terminal, it has no console of its own
// either: it attaches to the terminal's and points every standard stream
// that was not redirected (the app's pipes, a log file) at it, so the CLI
// still prints and the terminal consent prompt still reads. Without a
// parent console (started by the app or from Explorer) nothing changes.
//
// The terminal does not wait for a GUI program: cmd.exe and PowerShell show
// their prompt again at once (docs/windows.md).
func attachConsole() {
	if !needsConsole() {
		return
	}
	if r, _, _ := win32.AttachConsole.Call(win32.AttachParentProcess); r == 0 {
		return
	}
	reopen(windows.STD_INPUT_HANDLE, "CONIN$", windows.GENERIC_READ|windows.GENERIC_WRITE, &os.Stdin, "/dev/stdin")
	reopen(windows.STD_OUTPUT_HANDLE, "CONOUT$", windows.GENERIC_READ|windows.GENERIC_WRITE, &os.Stdout, "/dev/stdout")
	reopen(windows.STD_ERROR_HANDLE, "CONOUT$", windows.GENERIC_READ|windows.GENERIC_WRITE, &os.Stderr, "/dev/stderr")
}

// needsConsole reports whether a standard stream has no handle (the case of
// a GUI program that nobody redirected).
func needsConsole() bool {
	for _, std := range []uint32{windows.STD_INPUT_HANDLE, windows.STD_OUTPUT_HANDLE, windows.STD_ERROR_HANDLE} {
		if !hasHandle(std) {
			return true
		}
	}
	return false
}

func hasHandle(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	return err == nil && h != 0 && h != windows.InvalidHandle
}

// reopen points one standard stream without a handle at the console.
func reopen(std uint32, device string, access uint32, f **os.File, name string) {
	if hasHandle(std) {
		return
	}
	p, err := windows.UTF16PtrFromString(device)
	if err != nil {
		return
	}
	h, err := windows.CreateFile(p, access, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return
	}
	_ = windows.SetStdHandle(std, h)
	*f = os.NewFile(uintptr(h), name)
}
