//go:build !linux && !windows

package sharer

import "errors"

// noAutostart: no backend on this system yet, so a restart cannot be
// allowed (the daemon would not start again).
type noAutostart struct{}

func newAutostart() Autostart { return noAutostart{} }

func (noAutostart) Enable(string, []string) error {
	return errors.New("sharer: starting at sign-in is not supported on this system")
}
func (noAutostart) Disable() error { return nil }
