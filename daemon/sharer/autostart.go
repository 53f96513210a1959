package sharer

// Autostart starts the daemon once at the next sign-in, so a session whose
// computer restarts is taken up again (the resume ticket says which). It
// is the OS boundary of a restart: an XDG autostart entry on Linux, the
// RunOnce key on Windows.
type Autostart interface {
	// Enable arranges for exe with args to start at the next sign-in.
	Enable(exe string, args []string) error
	// Disable removes the arrangement; nothing there is not an error.
	Disable() error
}
