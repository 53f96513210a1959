//go:build !desktop && !bindings

package main

import (
	"errors"

	"github.com/quickhelp/quickhelp/app"
)

// runDesktop in a build without the desktop window (plain "go build"; the
// window needs "wails build", which adds the desktop tag).
func runDesktop(app.BackendConfig) error {
	return errors.New("this build has no desktop window; run \"quickhelp console\" and open the address it prints, or build with wails")
}
