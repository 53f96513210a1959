//go:build windows

package policy

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// loadPlatform reads HKLM\SOFTWARE\Policies\QuickHelp from the 64-bit
// registry view (where Group Policy and Intune write it).
func loadPlatform() (Policy, error) {
	const source = `HKLM\` + RegistryKey
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, RegistryKey, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return Policy{}, nil
	}
	if err != nil {
		return failClosed(source, err)
	}
	defer k.Close()
	values := make(map[string]RegistryValue)
	for _, name := range []string{valueDisabled, valueServers, valueOrganizations, valueForceRelay} {
		v, found, err := readValue(k, name)
		if err != nil {
			return failClosed(source, fmt.Errorf("%s: %w", name, err))
		}
		if found {
			values[name] = v
		}
	}
	p, err := ParseRegistry(values)
	if err != nil {
		return failClosed(source, err)
	}
	p.Source = source
	return p, nil
}

// readValue reads one raw value; found is false when it does not exist.
func readValue(k registry.Key, name string) (v RegistryValue, found bool, err error) {
	n, typ, err := k.GetValue(name, nil)
	if errors.Is(err, registry.ErrNotExist) {
		return RegistryValue{}, false, nil
	}
	if err != nil {
		return RegistryValue{}, false, err
	}
	if n > maxValueSize {
		return RegistryValue{}, false, fmt.Errorf("value larger than %d bytes", maxValueSize)
	}
	buf := make([]byte, n)
	n, typ, err = k.GetValue(name, buf)
	if err != nil {
		return RegistryValue{}, false, err
	}
	return RegistryValue{Type: typ, Data: buf[:n]}, true, nil
}
