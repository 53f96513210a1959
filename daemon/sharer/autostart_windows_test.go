package sharer

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// The RunOnce entry that brings the daemon back after a restart, with the
// real registry (under wine by scripts/wine-test.sh, or on Windows): the
// command line quotes the program and its arguments, and Disable removes
// it (also when there is none).
func TestWindowsRunOnceEntry(t *testing.T) {
	if os.Getenv("QUICKHELP_WINDOWS_REGISTRY") == "" {
		t.Skip("writes the user's RunOnce key: scripts/wine-test.sh sets QUICKHELP_WINDOWS_REGISTRY in a throw-away prefix")
	}
	a := newAutostart()
	exe := `C:\Program Files\QuickHelp\quickhelp-sharer.exe`
	if err := a.Enable(exe, []string{"daemon", "--server", "https://help.example.org"}); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, runOnceKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := k.GetStringValue(runOnceValue)
	k.Close()
	want := `"C:\Program Files\QuickHelp\quickhelp-sharer.exe" daemon --server https://help.example.org`
	if err != nil || got != want {
		t.Fatalf("RunOnce %s = %q, %v; want %q", runOnceValue, got, err, want)
	}
	for range 2 { // the second time there is nothing to remove
		if err := a.Disable(); err != nil {
			t.Fatalf("Disable: %v", err)
		}
	}
	k, err = registry.OpenKey(registry.CURRENT_USER, runOnceKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if _, _, err := k.GetStringValue(runOnceValue); !errors.Is(err, registry.ErrNotExist) {
		t.Errorf("after Disable the value reads %v, want it gone", err)
	}
}
