//go:build !windows

package i18n

// systemLocale: on Unix the environment is the locale.
func systemLocale() string { return "" }
