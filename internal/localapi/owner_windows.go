//go:build windows

package localapi

import (
	"errors"
	"net"

	"golang.org/x/sys/windows"
)

// tokens reads users from process tokens.
type tokens struct{}

func (tokens) CurrentUser() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}

func (tokens) ProcessUser(pid uint32) (string, error) {
	p, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return "", err
	}
	defer windows.CloseHandle(p)
	var tok windows.Token
	if err := windows.OpenProcessToken(p, windows.TOKEN_QUERY, &tok); err != nil {
		return "", err
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}

// pipeHandle is the handle under a go-winio pipe connection.
func pipeHandle(c net.Conn) (windows.Handle, error) {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return 0, errors.New("not a named pipe")
	}
	return windows.Handle(f.Fd()), nil
}

// serverProcess is the id of the process that created the server end of c.
func serverProcess(c net.Conn) (uint32, error) {
	h, err := pipeHandle(c)
	if err != nil {
		return 0, err
	}
	var pid uint32
	err = windows.GetNamedPipeServerProcessId(h, &pid)
	return pid, err
}

// clientProcess is the id of the process at the client end of c.
func clientProcess(c net.Conn) (uint32, error) {
	h, err := pipeHandle(c)
	if err != nil {
		return 0, err
	}
	var pid uint32
	err = windows.GetNamedPipeClientProcessId(h, &pid)
	return pid, err
}
