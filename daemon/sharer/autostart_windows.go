package sharer

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// runOnce starts the daemon once at the user's next sign-in, to take the
// session up again after a restart: a value under the user's RunOnce key,
// which Windows deletes before it runs the command.
type runOnce struct{}

func newAutostart() Autostart { return runOnce{} }

const (
	runOnceKey   = `Software\Microsoft\Windows\CurrentVersion\RunOnce`
	runOnceValue = "QuickHelpResume"
)

func (runOnce) Enable(exe string, args []string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runOnceKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("sharer: RunOnce key: %w", err)
	}
	defer k.Close()
	line := make([]string, 0, len(args)+1)
	line = append(line, windows.EscapeArg(exe))
	for _, a := range args {
		line = append(line, windows.EscapeArg(a))
	}
	if err := k.SetStringValue(runOnceValue, strings.Join(line, " ")); err != nil {
		return fmt.Errorf("sharer: RunOnce value: %w", err)
	}
	return nil
}

func (runOnce) Disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runOnceKey, registry.SET_VALUE)
	if err != nil {
		return nil // no key, nothing to remove
	}
	defer k.Close()
	if err := k.DeleteValue(runOnceValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("sharer: RunOnce value: %w", err)
	}
	return nil
}
