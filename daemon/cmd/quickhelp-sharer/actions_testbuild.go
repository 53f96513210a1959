//go:build quickhelp_test

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/quickhelp/quickhelp/daemon/actions"
	"github.com/quickhelp/quickhelp/daemon/sharer"
)

// EnvTestReboot, in test builds only, puts the computer's restart behind a
// fake at the OS boundary: the restart is allowed and, when asked, a line
// "reboot" is appended to the file it names instead.
const EnvTestReboot = "QUICKHELP_TEST_REBOOT"

type fileRebooter struct{ path string }

func (f fileRebooter) CanReboot(context.Context) bool { return true }
func (f fileRebooter) Reboot(context.Context) error {
	fh, err := os.OpenFile(f.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer fh.Close()
	_, err = fmt.Fprintln(fh, "reboot")
	return err
}

// quickActions is the daemon's own, with the restart behind the fake when
// $QUICKHELP_TEST_REBOOT names a file.
func quickActions(display string, logger *slog.Logger) sharer.ActionRunner {
	p := os.Getenv(EnvTestReboot)
	if p == "" {
		return nil
	}
	return actions.New(actions.Config{Display: display, Logger: logger, Rebooter: fileRebooter{path: p}})
}
