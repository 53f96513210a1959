package sharer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The autostart entry runs the daemon's own program with its arguments,
// quoted as the Desktop Entry Specification says; Disable removes it.
func TestXDGAutostartEntry(t *testing.T) {
	dir := t.TempDir()
	a := xdgAutostart{dir: dir}
	if err := a.Enable(`/opt/Quick Help/quickhelp-sharer`, []string{"daemon", `--socket`, `/tmp/a"b$c%d\e`}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, autostartName))
	if err != nil {
		t.Fatal(err)
	}
	want := `Exec="/opt/Quick Help/quickhelp-sharer" "daemon" "--socket" "/tmp/a\\"b\\$c%%d\\\\e"`
	if !strings.Contains(string(b), "\n"+want+"\n") || !strings.HasPrefix(string(b), "[Desktop Entry]\nType=Application\n") {
		t.Errorf("entry =\n%s\nwant the line %s", b, want)
	}
	if err := a.Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, autostartName)); !os.IsNotExist(err) {
		t.Errorf("entry still there after Disable: %v", err)
	}
	if err := a.Disable(); err != nil {
		t.Errorf("second Disable = %v, want nil", err)
	}
}
