package hotkey

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/daemon/win32"
)

const (
	modAlt      = 0x0001
	modControl  = 0x0002
	modShift    = 0x0004
	modNoRepeat = 0x4000 // a held key fires once

	wmHotkey = 0x0312

	hotkeyID = 1 // any id in 0x0000–0xBFFF; one per thread suffices

	errorHotkeyAlreadyRegistered = windows.Errno(1409)
)

func register(cfg Config) (*Hotkey, error) {
	type started struct {
		tid uint32
		err error
	}
	ready := make(chan started, 1)
	h := &Hotkey{done: make(chan struct{})}
	// A hot key registered without a window posts WM_HOTKEY to the queue
	// of the thread that registered it, and only that thread may
	// unregister it: the goroutine keeps its OS thread for life.
	go func() { // owned by h: Close waits on done
		defer close(h.done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid := windows.GetCurrentThreadId()
		// Create the thread's message queue before anyone can post to it.
		var m win32.Msg
		win32.PeekMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, win32.WMUser, win32.WMUser, win32.PMNoRemove)
		r, _, callErr := win32.RegisterHotKey.Call(0, hotkeyID,
			modControl|modAlt|modShift|modNoRepeat, uintptr('S'))
		if r == 0 {
			if errors.Is(callErr, errorHotkeyAlreadyRegistered) {
				ready <- started{err: ErrTaken}
			} else {
				ready <- started{err: fmt.Errorf("hotkey: RegisterHotKey: %w", callErr)}
			}
			return
		}
		defer win32.UnregisterHotKey.Call(0, hotkeyID)
		ready <- started{tid: tid}
		for {
			r, _, callErr := win32.GetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
			switch int32(r) {
			case 0: // WM_QUIT from Close
				return
			case -1:
				cfg.Logger.Warn("message loop failed; the shortcut no longer works", "err", callErr)
				return
			}
			if m.Message == wmHotkey && m.WParam == hotkeyID {
				cfg.Logger.Info("stop shortcut pressed")
				cfg.OnPress()
			}
		}
	}()
	s := <-ready
	if s.err != nil {
		<-h.done
		return nil, s.err
	}
	h.stop = func() {
		// The loop unregisters on its own thread once it sees WM_QUIT.
		if r, _, err := win32.PostThreadMessageW.Call(uintptr(s.tid), win32.WMQuit, 0, 0); r == 0 {
			cfg.Logger.Warn("cannot stop the shortcut's message loop", "err", err)
		}
	}
	return h, nil
}
