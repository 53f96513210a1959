//go:build !windows

package sharer

// platformMachineID has nothing to add outside Windows: machineID reads
// the machine-id files.
func platformMachineID() string { return "" }
