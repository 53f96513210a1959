package policy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
)

// Windows registry value types (winnt.h), named here so that the parsing
// below builds and is tested on every OS.
const (
	regSZ       = 1
	regExpandSZ = 2
	regDWORD    = 4
	regMultiSZ  = 7
	regQWORD    = 11
)

// Registry value names under RegistryKey.
const (
	valueDisabled      = "Disabled"
	valueServers       = "AllowedServers"
	valueOrganizations = "AllowedHelperOrganizations"
	valueForceRelay    = "ForceRelay"
)

// maxValueSize bounds one registry value read for the policy.
const maxValueSize = 64 << 10

// RegistryValue is one raw registry value as RegQueryValueEx returns it.
type RegistryValue struct {
	Type uint32
	Data []byte
}

// ParseRegistry builds a Policy from the raw values found under
// RegistryKey (absent values are simply missing from the map). Disabled
// must be a DWORD (or QWORD); the lists must be REG_MULTI_SZ, or REG_SZ for
// a single entry. Any other type or a value that does not decode is an
// error, so a mistyped policy fails closed.
func ParseRegistry(values map[string]RegistryValue) (Policy, error) {
	var p Policy
	if v, ok := values[valueDisabled]; ok {
		n, err := parseInteger(v)
		if err != nil {
			return Policy{}, fmt.Errorf("%s: %w", valueDisabled, err)
		}
		p.Disabled = n != 0
	}
	if v, ok := values[valueForceRelay]; ok {
		n, err := parseInteger(v)
		if err != nil {
			return Policy{}, fmt.Errorf("%s: %w", valueForceRelay, err)
		}
		p.ForceRelay = n != 0
	}
	var err error
	if p.AllowedServers, err = parseList(values, valueServers); err != nil {
		return Policy{}, err
	}
	if p.AllowedHelperOrganizations, err = parseList(values, valueOrganizations); err != nil {
		return Policy{}, err
	}
	if err := p.validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

func parseInteger(v RegistryValue) (uint64, error) {
	switch {
	case v.Type == regDWORD && len(v.Data) == 4:
		return uint64(binary.LittleEndian.Uint32(v.Data)), nil
	case v.Type == regQWORD && len(v.Data) == 8:
		return binary.LittleEndian.Uint64(v.Data), nil
	}
	return 0, fmt.Errorf("want a DWORD, got type %d with %d bytes", v.Type, len(v.Data))
}

func parseList(values map[string]RegistryValue, name string) ([]string, error) {
	v, ok := values[name]
	if !ok {
		return nil, nil
	}
	var list []string
	var err error
	switch v.Type {
	case regMultiSZ:
		list, err = decodeMultiSZ(v.Data)
	case regSZ, regExpandSZ:
		var s string
		s, err = decodeSZ(v.Data)
		if s != "" {
			list = []string{s}
		}
	default:
		err = fmt.Errorf("want REG_MULTI_SZ, got type %d", v.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return list, nil
}

// decodeUTF16 turns little-endian UTF-16 bytes into code units.
func decodeUTF16(b []byte) ([]uint16, error) {
	if len(b)%2 != 0 {
		return nil, errors.New("odd number of bytes in a UTF-16 string")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return u, nil
}

// decodeSZ decodes a REG_SZ: UTF-16LE, normally NUL-terminated (the
// terminator may be missing, as RegSetValueEx does not enforce it).
func decodeSZ(b []byte) (string, error) {
	u, err := decodeUTF16(b)
	if err != nil {
		return "", err
	}
	for i, c := range u {
		if c == 0 {
			u = u[:i]
			break
		}
	}
	return string(utf16.Decode(u)), nil
}

// decodeMultiSZ decodes a REG_MULTI_SZ: NUL-separated UTF-16LE strings
// ended by an empty string. Empty strings in the middle (which regedit
// refuses but other tools write) are skipped.
func decodeMultiSZ(b []byte) ([]string, error) {
	u, err := decodeUTF16(b)
	if err != nil {
		return nil, err
	}
	var out []string
	start := 0
	for i := 0; i <= len(u); i++ {
		if i == len(u) || u[i] == 0 {
			if i > start {
				out = append(out, string(utf16.Decode(u[start:i])))
			}
			start = i + 1
		}
	}
	return out, nil
}
