package sharer

import (
	"os"
	"path/filepath"
	"strings"
)

// xdgAutostart writes $XDG_CONFIG_HOME/autostart/quickhelp-resume.desktop
// (the freedesktop Desktop Application Autostart Specification), which
// every common desktop starts at sign-in; the daemon removes it when it
// starts.
type xdgAutostart struct {
	dir string // "" means $XDG_CONFIG_HOME/autostart
}

// autostartName is the entry's file name.
const autostartName = "quickhelp-resume.desktop"

func newAutostart() Autostart { return xdgAutostart{} }

func (a xdgAutostart) path() string {
	dir := a.dir
	if dir == "" {
		base := os.Getenv("XDG_CONFIG_HOME")
		if base == "" || !filepath.IsAbs(base) {
			home, err := os.UserHomeDir()
			if err != nil {
				return ""
			}
			base = filepath.Join(home, ".config")
		}
		dir = filepath.Join(base, "autostart")
	}
	return filepath.Join(dir, autostartName)
}

func (a xdgAutostart) Enable(exe string, args []string) error {
	p := a.path()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	words := []string{desktopQuote(exe)}
	for _, s := range args {
		words = append(words, desktopQuote(s))
	}
	entry := "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=QuickHelp\n" +
		"Comment=Goes on with the screen-sharing session after the restart\n" +
		"Exec=" + strings.Join(words, " ") + "\n" +
		"NoDisplay=true\n" +
		"X-GNOME-Autostart-enabled=true\n"
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(entry), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

func (a xdgAutostart) Disable() error {
	p := a.path()
	if p == "" {
		return nil
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// desktopQuote quotes one Exec argument as the Desktop Entry
// Specification says: inside double quotes, `"`, "`", "$" and "\" are
// escaped with a backslash, and "%" is doubled (field codes); the whole
// value is then a string value whose own escapes double each backslash.
func desktopQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\`) // the quoting backslash, escaped for the string value
			b.WriteRune(r)
		case '\\':
			b.WriteString(`\\\\`)
		case '%':
			b.WriteString("%%")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
