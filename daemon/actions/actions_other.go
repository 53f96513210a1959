//go:build !linux && !windows

package actions

import (
	"context"
	"os/exec"
)

// DefaultTaskManagers is empty where no backend exists yet: the button
// stays hidden.
var DefaultTaskManagers = []Command{}

func detach(*exec.Cmd) {}

func start(cmd *exec.Cmd) error { return cmd.Start() }

type noRebooter struct{}

func (noRebooter) CanReboot(context.Context) bool { return false }
func (noRebooter) Reboot(context.Context) error   { return ErrUnavailable }

func newSystemRebooter() Rebooter { return noRebooter{} }
