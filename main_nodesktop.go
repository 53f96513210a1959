//go:build !desktop && !bindings

package main

import (
	"errors"
	"os"

	"github.com/quickhelp/quickhelp/app"
	"github.com/quickhelp/quickhelp/internal/i18n"
)

// runDesktop in a build without the desktop window (plain "go build"; the
// window needs "wails build", which adds the desktop tag).
func runDesktop(app.BackendConfig) error {
	return errors.New(i18n.FromEnv(os.Getenv).T(i18n.AppNoWindow))
}
