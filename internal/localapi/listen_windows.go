//go:build windows

package localapi

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

func defaultPath() string { return `\\.\pipe\quickhelp-sharer-` + userTag() }

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

// listen opens a named pipe whose ACL grants access to the current user only.
func listen(path string) (net.Listener, error) {
	tok := windows.GetCurrentProcessToken()
	user, err := tok.GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("localapi: %w", err)
	}
	sddl := "D:P(A;;GA;;;" + user.User.Sid.String() + ")"
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: sddl})
	if err != nil {
		return nil, fmt.Errorf("localapi: %w", err)
	}
	return ln, nil
}

// checkPeer: the pipe's ACL admits only the owner.
func checkPeer(net.Conn) error { return nil }

func dial(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, path)
}
