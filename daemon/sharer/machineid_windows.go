//go:build windows

package sharer

import (
	"strings"

	"golang.org/x/sys/windows/registry"
)

// platformMachineID is the MachineGuid Windows sets at installation
// (HKLM\SOFTWARE\Microsoft\Cryptography), readable by every user. Read
// through the 64-bit view so a 32-bit build sees the same value.
func platformMachineID() string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Cryptography`, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return ""
	}
	defer k.Close()
	v, _, err := k.GetStringValue("MachineGuid")
	if err != nil {
		return ""
	}
	return "guid:" + strings.ToLower(strings.TrimSpace(v))
}
