//go:build !desktop && !bindings

package main

import (
	"errors"
	"os"

	"github.com/quickhelp/quickhelp/app"
	"github.com/quickhelp/quickhelp/internal/i18n"
)

// runPrompt in a build without windows: the prompts are shown in the
// "quickhelp console" page instead.
func runPrompt(app.BackendConfig) error {
	return errors.New(i18n.FromEnv(os.Getenv).T(i18n.AppNoPromptWindow))
}
