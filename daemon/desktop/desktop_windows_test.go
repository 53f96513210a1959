package desktop

import (
	"os"
	"testing"
)

// The real probe, under wine by scripts/wine-test.sh (or on Windows): at an
// ordinary desktop OpenInputDesktop opens it and it is named Default, so
// nothing is held. Wine shows every desktop as Default, so the secure
// case is tested with fakes only (TestSecure, TestWatch).
func TestWindowsProbeReadsTheUserDesktop(t *testing.T) {
	if os.Getenv("QUICKHELP_WINDOWS_DESKTOP") == "" {
		t.Skip("needs an interactive desktop: scripts/wine-test.sh sets QUICKHELP_WINDOWS_DESKTOP")
	}
	name, err := Native().InputDesktop()
	if err != nil {
		t.Fatalf("InputDesktop: %v", err)
	}
	if name != UserDesktop || Secure(name, err) {
		t.Errorf("InputDesktop = %q (secure %v), want %q", name, Secure(name, err), UserDesktop)
	}
}
