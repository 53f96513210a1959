package policy

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
	"unicode/utf16"
)

func dword(n uint32) RegistryValue {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, n)
	return RegistryValue{Type: regDWORD, Data: b}
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// multiSZ encodes strings the way RegSetValueEx stores REG_MULTI_SZ.
func multiSZ(ss ...string) RegistryValue {
	var s string
	for _, x := range ss {
		s += x + "\x00"
	}
	return RegistryValue{Type: regMultiSZ, Data: utf16le(s + "\x00")}
}

func TestParseRegistry(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]RegistryValue
		want    Policy
		wantErr bool
	}{
		{name: "no values", values: map[string]RegistryValue{}, want: Policy{}},
		{name: "disabled", values: map[string]RegistryValue{"Disabled": dword(1)}, want: Policy{Disabled: true}},
		{name: "disabled zero", values: map[string]RegistryValue{"Disabled": dword(0)}, want: Policy{}},
		{name: "force relay", values: map[string]RegistryValue{"ForceRelay": dword(1)}, want: Policy{ForceRelay: true}},
		{name: "force relay as string", values: map[string]RegistryValue{
			"ForceRelay": {Type: regSZ, Data: utf16le("1\x00")}}, wantErr: true},
		{name: "disabled qword", values: map[string]RegistryValue{
			"Disabled": {Type: regQWORD, Data: []byte{2, 0, 0, 0, 0, 0, 0, 0}}}, want: Policy{Disabled: true}},
		{name: "lists", values: map[string]RegistryValue{
			"AllowedServers":             multiSZ("https://help.contoso.com", "*.contoso.net"),
			"AllowedHelperOrganizations": multiSZ("Contoso", "Zoë & Co"),
		}, want: Policy{
			AllowedServers:             []string{"https://help.contoso.com", "*.contoso.net"},
			AllowedHelperOrganizations: []string{"Contoso", "Zoë & Co"},
		}},
		{name: "multi-sz without final terminator", values: map[string]RegistryValue{
			"AllowedHelperOrganizations": {Type: regMultiSZ, Data: utf16le("Contoso\x00Fabrikam")},
		}, want: Policy{AllowedHelperOrganizations: []string{"Contoso", "Fabrikam"}}},
		{name: "multi-sz with empty entry in the middle", values: map[string]RegistryValue{
			"AllowedHelperOrganizations": {Type: regMultiSZ, Data: utf16le("Contoso\x00\x00Fabrikam\x00\x00")},
		}, want: Policy{AllowedHelperOrganizations: []string{"Contoso", "Fabrikam"}}},
		{name: "single string accepted", values: map[string]RegistryValue{
			"AllowedHelperOrganizations": {Type: regSZ, Data: utf16le("Contoso\x00")},
		}, want: Policy{AllowedHelperOrganizations: []string{"Contoso"}}},
		{name: "empty multi-sz", values: map[string]RegistryValue{
			"AllowedServers": {Type: regMultiSZ, Data: []byte{0, 0}},
		}, want: Policy{}},
		{name: "disabled as string", values: map[string]RegistryValue{
			"Disabled": {Type: regSZ, Data: utf16le("1\x00")}}, wantErr: true},
		{name: "short dword", values: map[string]RegistryValue{
			"Disabled": {Type: regDWORD, Data: []byte{1, 0}}}, wantErr: true},
		{name: "list as dword", values: map[string]RegistryValue{"AllowedServers": dword(1)}, wantErr: true},
		{name: "odd utf-16", values: map[string]RegistryValue{
			"AllowedHelperOrganizations": {Type: regMultiSZ, Data: []byte{'C', 0, 'o'}}}, wantErr: true},
		{name: "invalid server", values: map[string]RegistryValue{
			"AllowedServers": multiSZ("gopher://old.example")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRegistry(tt.values)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRegistry() error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseRegistry() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRegistryFailClosed(t *testing.T) {
	_, perr := ParseRegistry(map[string]RegistryValue{"Disabled": {Type: regSZ}})
	p, err := failClosed(`HKLM\`+RegistryKey, perr)
	if !errors.Is(err, ErrMalformed) || !p.Disabled || !errors.Is(p.Check(), ErrMalformed) {
		t.Errorf("failClosed() = %+v, %v; want disabled, ErrMalformed", p, err)
	}
}

func FuzzDecodeMultiSZ(f *testing.F) {
	f.Add(multiSZ("a", "b").Data)
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add(utf16le("\U0001F600\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := decodeMultiSZ(data)
		if err != nil {
			if len(data)%2 == 0 {
				t.Errorf("decodeMultiSZ(%x) = %v for even length", data, err)
			}
			return
		}
		for _, s := range list {
			if s == "" {
				t.Errorf("decodeMultiSZ(%x) returned an empty entry", data)
			}
		}
		// Re-encoding valid entries must decode to the same list.
		if again, err := decodeMultiSZ(multiSZ(list...).Data); err != nil || !reflect.DeepEqual(again, list) {
			t.Errorf("round trip of %q = %q, %v", list, again, err)
		}
	})
}
