package console

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// BrowserLauncher opens a URL in the person's own web browser. Sign-in with
// the organisation's provider happens there, never in the app's window:
// the browser already holds the person's single sign-on session, shows the
// provider's real address, and keeps the password away from the app
// (RFC 8252).
type BrowserLauncher interface {
	Open(ctx context.Context, url string) error
}

// SystemBrowser opens URLs with the program named by $BROWSER when it is
// set (as xdg-open and many tools honour it), else the system's own way:
// xdg-open on Linux, the URL handler of the shell on Windows.
type SystemBrowser struct{}

// Open starts the browser and does not wait for it: the browser usually
// outlives the sign-in, and the app must not close it.
func (SystemBrowser) Open(ctx context.Context, url string) error {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return fmt.Errorf("console: not a web address: %.40q", url)
	}
	name, args := systemOpener(url)
	if b := browserFromEnv(os.Getenv("BROWSER"), url); b != nil {
		name, args = b[0], b[1:]
	}
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("console: open browser: %w", err)
	}
	// Reap the opener when it exits; it is not ours to stop.
	go func() { _ = cmd.Wait() }()
	return nil
}

// browserFromEnv reads $BROWSER as xdg-open does: a list of commands
// separated by ":", of which the first is used; "%s" in it stands for the
// URL, else the URL is the last argument. Nil when unset.
func browserFromEnv(v, url string) []string {
	first, _, _ := strings.Cut(v, ":")
	fields := strings.Fields(first)
	if len(fields) == 0 {
		return nil
	}
	placed := false
	for i, f := range fields[1:] {
		if strings.Contains(f, "%s") {
			fields[i+1] = strings.ReplaceAll(f, "%s", url)
			placed = true
		}
	}
	if !placed {
		fields = append(fields, url)
	}
	return fields
}
