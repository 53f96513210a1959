package sharer

import (
	"os"
	"regexp"
	"testing"
)

// The resume ticket is bound to the installation's MachineGuid, read from
// the real registry (under wine by scripts/wine-test.sh, or on Windows),
// not to the host name.
func TestWindowsMachineID(t *testing.T) {
	if os.Getenv("QUICKHELP_WINDOWS_REGISTRY") == "" {
		t.Skip("reads HKLM: scripts/wine-test.sh sets QUICKHELP_WINDOWS_REGISTRY in a throw-away prefix")
	}
	id := platformMachineID()
	if !regexp.MustCompile(`^guid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("platformMachineID() = %q, want guid:<MachineGuid>", id)
	}
	if machineID() != id {
		t.Fatalf("machineID() = %q, want the MachineGuid %q", machineID(), id)
	}
}
