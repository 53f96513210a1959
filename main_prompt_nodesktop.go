//go:build !desktop && !bindings

package main

import (
	"errors"

	"github.com/quickhelp/quickhelp/app"
)

// runPrompt in a build without windows: the prompts are shown in the
// "quickhelp console" page instead.
func runPrompt(app.BackendConfig) error {
	return errors.New("this build has no desktop window; the prompts appear in the \"quickhelp console\" page, or build with wails")
}
