//go:build !quickhelp_test

package main

import (
	"log/slog"

	"github.com/quickhelp/quickhelp/daemon/sharer"
)

// quickActions is nil: the daemon's own (daemon/actions for the display).
func quickActions(string, *slog.Logger) sharer.ActionRunner { return nil }
