package localapi

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotOwner means the other end of the local endpoint is not a process of
// this user, or cannot be shown to be one: on Windows, another user's
// program created QuickHelp's pipe name first, or connected to it. Nothing
// is sent to it, and callers say so in plain words rather than treating it
// as "the daemon is not running" (which would start another one).
var ErrNotOwner = errors.New("localapi: QuickHelp's local connection is held by a program that does not run as you")

// pipePrefix starts the Windows pipe name; the user's SID completes it.
const pipePrefix = `\\.\pipe\quickhelp-sharer-`

// pipeName is the per-user pipe of the user whose SID (S-1-5-21-…) is sid.
// A user name could be reused or spoofed in a name; a SID names one account.
func pipeName(sid string) (string, error) {
	if !validSID(sid) {
		return "", fmt.Errorf("localapi: %q is not a SID", sid)
	}
	return pipePrefix + sid, nil
}

// validSID accepts the string form Windows prints: "S-1-" then dash-separated
// decimal numbers, nothing a pipe name could be bent with.
func validSID(sid string) bool {
	rest, ok := strings.CutPrefix(sid, "S-1-")
	if !ok || rest == "" || len(sid) > 184 {
		return false
	}
	for _, part := range strings.Split(rest, "-") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if r < '0' || r > '9' {
				return false
			}
		}
	}
	return true
}

// accounts is the operating system's side of the owner check, behind an
// interface so the decision below is tested with fakes; owner_windows.go
// implements it with the process token.
type accounts interface {
	// CurrentUser is the SID of the user this process runs as.
	CurrentUser() (string, error)
	// ProcessUser is the SID of the user process pid runs as (the user of
	// its token).
	ProcessUser(pid uint32) (string, error)
}

// checkOwner decides whether the process at the other end of a pipe, whose
// id the pipe reported as pid (or failed to: pidErr), runs as this process's
// user. Every doubt refuses: an unknown process id, a process whose token
// cannot be read (another user's, usually), a different SID.
func checkOwner(sys accounts, pid uint32, pidErr error) error {
	if pidErr != nil {
		return fmt.Errorf("%w (the pipe does not name its process: %v)", ErrNotOwner, pidErr)
	}
	if pid == 0 {
		return fmt.Errorf("%w (the pipe names no process)", ErrNotOwner)
	}
	me, err := sys.CurrentUser()
	if err != nil {
		return fmt.Errorf("%w (this process's user is unknown: %v)", ErrNotOwner, err)
	}
	them, err := sys.ProcessUser(pid)
	if err != nil {
		return fmt.Errorf("%w (process %d's user cannot be read: %v)", ErrNotOwner, pid, err)
	}
	if !validSID(me) || them != me {
		return fmt.Errorf("%w (process %d runs as %s)", ErrNotOwner, pid, them)
	}
	return nil
}

// notRunning wraps a failure to reach the daemon, except a refusal of the
// endpoint's owner, which must not read as "not running".
func notRunning(err error) error {
	if errors.Is(err, ErrNotOwner) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrNotRunning, err)
}
