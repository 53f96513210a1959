//go:build !windows

package console

import "runtime"

// systemOpener opens a URL with the desktop's default browser.
func systemOpener(url string) (string, []string) {
	if runtime.GOOS == "darwin" {
		return "open", []string{url}
	}
	return "xdg-open", []string{url}
}
