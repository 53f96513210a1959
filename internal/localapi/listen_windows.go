//go:build windows

package localapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// defaultPath is the pipe named by this user's SID. Without a SID (never
// expected) the name gets an impossible SID, so a client finds nothing
// rather than someone else's pipe.
func defaultPath() string {
	sid, err := tokens{}.CurrentUser()
	if err != nil {
		return pipePrefix + "unknown-user"
	}
	name, err := pipeName(sid)
	if err != nil {
		return pipePrefix + "unknown-user"
	}
	return name
}

// userTag names per-user files outside the pipe (see runtimeDir).
func userTag() string {
	u := os.Getenv("USERNAME")
	if u == "" {
		u = "user"
	}
	return strings.Map(func(r rune) rune {
		if r == '\\' || r == '/' || r == ':' {
			return '_'
		}
		return r
	}, u)
}

// listen creates the pipe. Its security descriptor's DACL grants access to
// this user alone (protected: nothing inherited), and it must be the pipe's
// first instance: go-winio creates the first instance with the disposition
// FILE_CREATE, which is what FILE_FLAG_FIRST_PIPE_INSTANCE means to
// CreateNamedPipeW, so if any process, of any user, already holds the name,
// the call fails instead of joining that process's pipe. The daemon then
// says whose it is: its own user's (a daemon already runs) or not.
func listen(path string) (net.Listener, error) {
	sid, err := tokens{}.CurrentUser()
	if err != nil {
		return nil, fmt.Errorf("localapi: %w", err)
	}
	sddl := "D:P(A;;GA;;;" + sid + ")"
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: sddl})
	if err == nil {
		return ln, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, derr := dial(ctx, path)
	switch {
	case derr == nil:
		c.Close()
		return nil, errors.New("localapi: a sharer daemon is already running")
	case errors.Is(derr, ErrNotOwner):
		return nil, derr
	case errors.Is(derr, windows.ERROR_ACCESS_DENIED):
		// The name exists and its DACL shuts this user out: not ours.
		return nil, fmt.Errorf("%w (the pipe exists and is closed to this user)", ErrNotOwner)
	}
	return nil, fmt.Errorf("localapi: %w", err)
}

// checkPeer refuses a client whose process is not this user's (the DACL
// already keeps others out; this does not depend on it).
func checkPeer(c net.Conn) error {
	pid, err := clientProcess(c)
	return checkOwner(tokens{}, pid, err)
}

// dial connects and, before anything is sent, checks that the process
// serving the pipe runs as this user: another user's program that took the
// name first gets nothing.
func dial(ctx context.Context, path string) (net.Conn, error) {
	c, err := winio.DialPipeContext(ctx, path)
	if err != nil {
		return nil, err
	}
	pid, err := serverProcess(c)
	if err := checkOwner(tokens{}, pid, err); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
