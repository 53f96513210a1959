// Package i18n holds the text QuickHelp's Go programs show people (the
// tray menu, the command lines, the prompt window's title, the daemon's
// messages) in English and Japanese, and picks the language from the
// locale. Reasons come translated from wire (Reason.TextJa); programs still
// send each other only stable codes, never these texts.
//
// testdata/messages.json is the golden list of every text in both
// languages; TestCatalogueGolden fails when a text has no Japanese, when
// the two languages' placeholders differ, or when the list and the
// catalogue disagree (go test ./internal/i18n -update rewrites the list).
package i18n

import (
	"fmt"
	"strings"

	"github.com/quickhelp/quickhelp/wire"
)

// Lang is a language of Go-side text.
type Lang string

const (
	English  Lang = "en"
	Japanese Lang = "ja"
)

// Parse maps a locale name ("ja_JP.UTF-8", "ja", "en_GB") to a Lang:
// Japanese for ja, English for everything else.
func Parse(locale string) Lang {
	l := strings.ToLower(locale)
	if l == "ja" || strings.HasPrefix(l, "ja_") || strings.HasPrefix(l, "ja-") || strings.HasPrefix(l, "ja.") {
		return Japanese
	}
	return English
}

// FromEnv picks the language of messages the POSIX way: the first of
// LC_ALL, LC_MESSAGES and LANG that is set decides. Where none is set it
// asks the system (the Windows display language); else English.
func FromEnv(getenv func(string) string) Lang {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			return Parse(v)
		}
	}
	if v := systemLocale(); v != "" {
		return Parse(v)
	}
	return English
}

// T is the text of key in l, with args put in its fmt verbs (a Japanese
// text may reorder them with %[n]s). A key missing from the catalogue
// shows as itself, which the golden test never lets through.
func (l Lang) T(key Key, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return string(key)
	}
	s := m.en
	if l == Japanese && m.ja != "" {
		s = m.ja
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Reason is the text of r told to anyone (the helper's words).
func (l Lang) Reason(r wire.Reason) string {
	if l == Japanese && r.TextJa() != "" {
		return r.TextJa()
	}
	return r.Text()
}

// SharerReason is the text of r told to the person sharing the screen.
func (l Lang) SharerReason(r wire.Reason) string {
	if l == Japanese && r.SharerTextJa() != "" {
		return r.SharerTextJa()
	}
	return r.SharerText()
}
