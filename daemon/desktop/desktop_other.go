//go:build !windows

package desktop

// Native returns nil: only Windows has desktops a user program cannot see.
func Native() Probe { return nil }
