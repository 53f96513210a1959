//go:build !windows && !darwin

package shareable

import "github.com/quickhelp/quickhelp/wire"

// Check returns "" when the daemon can share display, else the reason it
// cannot (a Wayland session).
func Check(getenv func(string) string, display string) wire.Reason {
	return reasonOf(Session(getenv, display))
}
