package main

import "github.com/quickhelp/quickhelp/internal/i18n"

// The tests check the English texts, whatever the locale they run in.
func init() { lang = i18n.English }
