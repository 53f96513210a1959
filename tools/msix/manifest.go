package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"text/template"
)

// Identity fills the manifest template.
type Identity struct {
	Name                 string // package identity name
	Publisher            string // certificate subject, e.g. "CN=Contoso, O=Contoso, C=GB"
	PublisherDisplayName string
	Version              string // "0.1.0" or "0.1.0.0"; anything after '-' or '+' is dropped
}

// PackageVersion turns a semantic version into the four-part version MSIX
// wants ("0.1.0-rc1" becomes "0.1.0.0"); each part must fit 16 bits.
func PackageVersion(v string) (string, error) {
	core, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), "-")
	core, _, _ = strings.Cut(core, "+")
	parts := strings.Split(core, ".")
	if len(parts) > 4 || core == "" {
		return "", fmt.Errorf("version %q: want up to four numeric parts", v)
	}
	for len(parts) < 4 {
		parts = append(parts, "0")
	}
	for _, p := range parts {
		if n, err := strconv.ParseUint(p, 10, 16); err != nil || strconv.FormatUint(n, 10) != p {
			return "", fmt.Errorf("version %q: part %q is not a number from 0 to 65535", v, p)
		}
	}
	return strings.Join(parts, "."), nil
}

// RenderManifest fills tmpl ({{.Name}}, {{.Publisher}},
// {{.PublisherDisplayName}}, {{.Version}}) with XML-escaped values.
func RenderManifest(tmpl string, id Identity) ([]byte, error) {
	version, err := PackageVersion(id.Version)
	if err != nil {
		return nil, err
	}
	if id.Name == "" || id.Publisher == "" || id.PublisherDisplayName == "" {
		return nil, fmt.Errorf("manifest: name, publisher and publisher display name are required")
	}
	esc := func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s)) // writes to memory: cannot fail
		return b.String()
	}
	t, err := template.New("AppxManifest.xml").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return nil, fmt.Errorf("manifest template: %w", err)
	}
	var out bytes.Buffer
	err = t.Execute(&out, map[string]string{
		"Name":                 esc(id.Name),
		"Publisher":            esc(id.Publisher),
		"PublisherDisplayName": esc(id.PublisherDisplayName),
		"Version":              version,
	})
	if err != nil {
		return nil, fmt.Errorf("manifest template: %w", err)
	}
	return out.Bytes(), nil
}
