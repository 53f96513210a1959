package main

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/daemon/win32"
)

// setDPIAwareness makes the daemon per-monitor DPI aware (v2) before it
// creates any window (tray, stop shortcut, overlay). Unaware, Windows would
// show it a scaled, virtual screen at 125 % or 150 %: GDI grabs would be
// scaled down and blurred, and SendInput's absolute coordinates and the
// monitor rectangles would disagree with the pixels the helper clicks on.
// Aware, every coordinate the daemon sees is a physical pixel.
//
// An application manifest could declare the same; the call does it without
// a resource section and is what Microsoft documents for programs that set
// it at run time. It returns the awareness now in force.
func setDPIAwareness() (string, error) {
	err := setContext(win32.DPIAwarenessContextPerMonitorV2)
	if err != nil && !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		// Before Windows 10 1703 there is no v2; v1 still gives physical
		// pixels, though Windows then does not scale the non-client area.
		err = setContext(win32.DPIAwarenessContextPerMonitor)
	}
	// ERROR_ACCESS_DENIED: the awareness was already set (a manifest or an
	// earlier call); what counts is what is in force now.
	mode := currentAwareness()
	if mode == "" {
		return "unaware", fmt.Errorf("cannot make the daemon DPI aware: %w", err)
	}
	return mode, nil
}

func setContext(ctx uintptr) error {
	if err := win32.SetProcessDpiAwarenessContext.Find(); err != nil {
		return err
	}
	if r, _, err := win32.SetProcessDpiAwarenessContext.Call(ctx); r == 0 {
		return err
	}
	return nil
}

// currentAwareness names the calling thread's DPI awareness when it is per
// monitor, else "".
func currentAwareness() string {
	if win32.GetThreadDpiAwarenessContext.Find() != nil || win32.AreDpiAwarenessContextsEqual.Find() != nil {
		return ""
	}
	cur, _, _ := win32.GetThreadDpiAwarenessContext.Call()
	for _, c := range []struct {
		ctx  uintptr
		name string
	}{
		{win32.DPIAwarenessContextPerMonitorV2, "per-monitor-v2"},
		{win32.DPIAwarenessContextPerMonitor, "per-monitor"},
	} {
		if eq, _, _ := win32.AreDpiAwarenessContextsEqual.Call(cur, c.ctx); eq != 0 {
			return c.name
		}
	}
	return ""
}
