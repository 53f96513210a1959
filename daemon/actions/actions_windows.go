package actions

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/daemon/win32"
)

// DefaultTaskManagers is Windows' own Task Manager, by its full path in
// the system directory (never looked up on PATH).
var DefaultTaskManagers = []Command{{Name: systemProgram("taskmgr.exe")}}

func systemProgram(name string) string {
	dir, err := windows.GetSystemDirectory()
	if err != nil {
		return name // LookPath then finds nothing at a bare name it trusts
	}
	return filepath.Join(dir, name)
}

// detach starts the program in a process group of its own, so a Ctrl+C in
// the daemon's terminal does not reach it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
}

// start starts cmd. Task Manager asks for the highest rights its user has:
// for an administrator CreateProcess refuses it (ERROR_ELEVATION_REQUIRED)
// and only the shell may start it, through the UAC prompt, which the
// sharer answers on the secure desktop (the helper is told and waits; see
// daemon/desktop).
func start(cmd *exec.Cmd) error {
	err := cmd.Start()
	if !errors.Is(err, windows.ERROR_ELEVATION_REQUIRED) {
		return err
	}
	verb, _ := windows.UTF16PtrFromString("open")
	file, err := windows.UTF16PtrFromString(cmd.Path)
	if err != nil {
		return err
	}
	var params *uint16
	if len(cmd.Args) > 1 {
		s := ""
		for i, a := range cmd.Args[1:] {
			if i > 0 {
				s += " "
			}
			s += windows.EscapeArg(a)
		}
		if params, err = windows.UTF16PtrFromString(s); err != nil {
			return err
		}
	}
	const swShowNormal = 1
	// ShellExecute reports success as a value above 32.
	if r, _, callErr := win32.ShellExecuteW.Call(0, uintptr(unsafe.Pointer(verb)), uintptr(unsafe.Pointer(file)),
		uintptr(unsafe.Pointer(params)), 0, swShowNormal); r <= 32 {
		return fmt.Errorf("ShellExecuteW: %w", callErr)
	}
	return nil
}

// ExitWindows restarts the computer with ExitWindowsEx, as the Start
// menu's Restart does: it needs the user's SeShutdownPrivilege (which
// users signed in at the computer have; a remote desktop user may not),
// enabled in the daemon's own token for the call.
type ExitWindows struct{}

func newSystemRebooter() Rebooter { return ExitWindows{} }

// ExitWindowsEx flags and the planned-restart reason.
const (
	ewxReboot              = 0x00000002
	shtdnReasonMajorOther  = 0x00000000
	shtdnReasonMinorOther  = 0x00000000
	shtdnReasonFlagPlanned = 0x80000000
)

func shutdownLUID() (windows.LUID, error) {
	var luid windows.LUID
	name, err := windows.UTF16PtrFromString("SeShutdownPrivilege")
	if err != nil {
		return luid, err
	}
	return luid, windows.LookupPrivilegeValue(nil, name, &luid)
}

// CanReboot reports whether the daemon's token holds SeShutdownPrivilege
// (enabled or not).
func (ExitWindows) CanReboot(context.Context) bool {
	luid, err := shutdownLUID()
	if err != nil {
		return false
	}
	var tok windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_QUERY, &tok); err != nil {
		return false
	}
	defer tok.Close()
	var n uint32
	_ = windows.GetTokenInformation(tok, windows.TokenPrivileges, nil, 0, &n)
	if n == 0 || n > 64<<10 {
		return false
	}
	buf := make([]byte, n)
	if err := windows.GetTokenInformation(tok, windows.TokenPrivileges, &buf[0], n, &n); err != nil {
		return false
	}
	for _, p := range (*windows.Tokenprivileges)(unsafe.Pointer(&buf[0])).AllPrivileges() {
		if p.Luid == luid {
			return true
		}
	}
	return false
}

// Reboot enables the privilege and asks Windows to restart; ExitWindowsEx
// returns once the restart has begun.
func (ExitWindows) Reboot(context.Context) error {
	luid, err := shutdownLUID()
	if err != nil {
		return fmt.Errorf("actions: shutdown privilege: %w", err)
	}
	var tok windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ADJUST_PRIVILEGES|windows.TOKEN_QUERY, &tok); err != nil {
		return fmt.Errorf("actions: process token: %w", err)
	}
	defer tok.Close()
	tp := windows.Tokenprivileges{PrivilegeCount: 1}
	tp.Privileges[0] = windows.LUIDAndAttributes{Luid: luid, Attributes: windows.SE_PRIVILEGE_ENABLED}
	// Succeeds with ERROR_NOT_ALL_ASSIGNED when the token lacks it.
	if err := windows.AdjustTokenPrivileges(tok, false, &tp, 0, nil, nil); err != nil {
		return fmt.Errorf("actions: enable the shutdown privilege: %w", err)
	}
	if r, _, err := win32.ExitWindowsEx.Call(ewxReboot, shtdnReasonMajorOther|shtdnReasonMinorOther|shtdnReasonFlagPlanned); r == 0 {
		return fmt.Errorf("actions: ExitWindowsEx: %w", err)
	}
	return nil
}
