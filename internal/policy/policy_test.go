package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

func writePolicy(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFile(t *testing.T) {
	contoso := wire.HelperInfo{DisplayName: "Alex P.", Organization: "Contoso"}
	fabrikam := wire.HelperInfo{DisplayName: "Sam K.", Organization: "Fabrikam"}
	tests := []struct {
		name        string
		content     string // "" with missing=true: no file
		missing     bool
		wantLoadErr error
		server      string
		wantServer  error
		helper      wire.HelperInfo
		wantHelper  error
		wantMessage string // substring of the helper check's message
	}{
		{name: "no file allows everything", missing: true,
			server: "https://any.example", helper: fabrikam},
		{name: "empty object allows everything", content: `{}`,
			server: "https://any.example", helper: fabrikam},
		{name: "disabled", content: `{"Disabled": true}`,
			server: "https://any.example", wantServer: ErrDisabled,
			helper: contoso, wantHelper: ErrDisabled,
			wantMessage: "QuickHelp has been turned off by your organisation"},
		{name: "lower camel case fields", content: `{"disabled": true}`,
			server: "https://any.example", wantServer: ErrDisabled,
			helper: contoso, wantHelper: ErrDisabled},
		{name: "allowed helper organisation",
			content: `{"AllowedHelperOrganizations": ["Contoso"]}`,
			server:  "https://any.example", helper: wire.HelperInfo{Organization: " contoso "}},
		{name: "foreign helper refused",
			content: `{"AllowedHelperOrganizations": ["Contoso", "Woodgrove Bank"]}`,
			server:  "https://any.example", helper: fabrikam, wantHelper: ErrHelperNotAllowed,
			wantMessage: "Your organisation only allows help from: Contoso, Woodgrove Bank"},
		{name: "helper without organisation refused",
			content: `{"AllowedHelperOrganizations": ["Contoso"]}`,
			server:  "https://any.example", helper: wire.HelperInfo{DisplayName: "Kim L."},
			wantHelper: ErrHelperNotAllowed, wantMessage: "only allows help from: Contoso"},
		{name: "allowed server",
			content: `{"AllowedServers": ["https://help.contoso.com"]}`,
			server:  "https://HELP.contoso.com/v1", helper: fabrikam},
		{name: "foreign server refused",
			content: `{"AllowedServers": ["https://help.contoso.com"]}`,
			server:  "https://quickhelp.example", wantServer: ErrServerNotAllowed, helper: fabrikam},
		{name: "malformed JSON fails closed", content: `{"Disabled": fals`,
			wantLoadErr: ErrMalformed,
			server:      "https://any.example", wantServer: ErrMalformed,
			helper: contoso, wantHelper: ErrMalformed, wantMessage: "could not be read"},
		{name: "unknown field fails closed", content: `{"Disabeld": true}`,
			wantLoadErr: ErrMalformed, server: "https://any.example", wantServer: ErrMalformed,
			helper: contoso, wantHelper: ErrMalformed},
		{name: "wrong type fails closed", content: `{"AllowedServers": "https://a.example"}`,
			wantLoadErr: ErrMalformed, server: "https://a.example", wantServer: ErrMalformed,
			helper: contoso, wantHelper: ErrMalformed},
		{name: "empty file fails closed", content: ``,
			wantLoadErr: ErrMalformed, server: "https://a.example", wantServer: ErrMalformed,
			helper: contoso, wantHelper: ErrMalformed},
		{name: "trailing data fails closed", content: `{} {"Disabled": true}`,
			wantLoadErr: ErrMalformed, server: "https://a.example", wantServer: ErrMalformed,
			helper: contoso, wantHelper: ErrMalformed},
		{name: "bad server entry fails closed", content: `{"AllowedServers": ["ftp://x.example"]}`,
			wantLoadErr: ErrMalformed, server: "https://x.example", wantServer: ErrMalformed,
			helper: contoso, wantHelper: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "absent.json")
			if !tt.missing {
				path = writePolicy(t, tt.content)
			}
			p, err := Load(Config{File: path})
			if !errors.Is(err, tt.wantLoadErr) || (tt.wantLoadErr == nil && err != nil) {
				t.Fatalf("Load(%q) error = %v, want %v", tt.content, err, tt.wantLoadErr)
			}
			if tt.wantLoadErr != nil && !p.Disabled {
				t.Errorf("Load(%q).Disabled = false, want true (fail closed)", tt.content)
			}
			if got := p.CheckServer(tt.server); !errors.Is(got, tt.wantServer) || (tt.wantServer == nil && got != nil) {
				t.Errorf("CheckServer(%q) = %v, want %v", tt.server, got, tt.wantServer)
			}
			got := p.CheckHelper(tt.helper)
			if !errors.Is(got, tt.wantHelper) || (tt.wantHelper == nil && got != nil) {
				t.Errorf("CheckHelper(%+v) = %v, want %v", tt.helper, got, tt.wantHelper)
			}
			if tt.wantMessage != "" && (got == nil || !strings.Contains(got.Error(), tt.wantMessage)) {
				t.Errorf("CheckHelper(%+v) message = %v, want it to contain %q", tt.helper, got, tt.wantMessage)
			}
		})
	}
}

func TestUnreadableFileFailsClosed(t *testing.T) {
	// A directory where the file should be cannot be read as a policy.
	dir := t.TempDir()
	p, err := Load(Config{File: dir})
	if !errors.Is(err, ErrMalformed) || !p.Disabled {
		t.Fatalf("Load(dir) = %+v, %v; want disabled with ErrMalformed", p, err)
	}
}

func TestOversizedFileFailsClosed(t *testing.T) {
	big := `{"AllowedHelperOrganizations": ["` + strings.Repeat("a", maxFileSize) + `"]}`
	p, err := Load(Config{File: writePolicy(t, big)})
	if !errors.Is(err, ErrMalformed) || !p.Disabled {
		t.Fatalf("Load(oversized) = Disabled %v, %v; want disabled with ErrMalformed", p.Disabled, err)
	}
}

func TestCheckServer(t *testing.T) {
	allowed := []string{"https://help.contoso.com", "*.fabrikam.net", "wss://relay.example:8443", "plain.example"}
	p := Policy{AllowedServers: allowed}
	tests := []struct {
		url  string
		want error
	}{
		{"https://help.contoso.com", nil},
		{"https://help.contoso.com:443/", nil},
		{"wss://help.contoso.com/v1/ws", nil},
		{"http://help.contoso.com", ErrServerNotAllowed}, // scheme downgrade
		{"https://help.contoso.com:8443", ErrServerNotAllowed},
		{"https://evilhelp.contoso.com", ErrServerNotAllowed},
		{"https://help.contoso.com.evil.example", ErrServerNotAllowed},
		{"https://eu.fabrikam.net", nil},
		{"http://eu.fabrikam.net:8080", nil},
		{"https://fabrikam.net", ErrServerNotAllowed}, // wildcard needs a subdomain
		{"https://notfabrikam.net", ErrServerNotAllowed},
		{"https://relay.example:8443", nil},
		{"https://relay.example", ErrServerNotAllowed},
		{"http://plain.example:8080", nil},
		{"not a url", ErrServerNotAllowed},
		{"", ErrServerNotAllowed},
	}
	for _, tt := range tests {
		got := p.CheckServer(tt.url)
		if !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
			t.Errorf("CheckServer(%q) = %v, want %v", tt.url, got, tt.want)
		}
		if got != nil && !strings.Contains(got.Error(), "https://help.contoso.com") {
			t.Errorf("CheckServer(%q) message %q does not list the allowed services", tt.url, got)
		}
	}
}

func TestErrorMessagesArePlain(t *testing.T) {
	p := Policy{Disabled: true}
	err := p.Check()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Check() = %T, want *Error", err)
	}
	if got, want := err.Error(), "QuickHelp has been turned off by your organisation."; got != want {
		t.Errorf("Check().Error() = %q, want %q", got, want)
	}
	if (Policy{}).Check() != nil {
		t.Errorf("zero Policy.Check() = %v, want nil", (Policy{}).Check())
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte(`{"Disabled": true}`))
	f.Add([]byte(`{"AllowedServers": ["https://a.example", "*.b.example"], "AllowedHelperOrganizations": ["Contoso"]}`))
	f.Add([]byte(`{"AllowedServers": ["://"]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseFile(data)
		if err != nil {
			return
		}
		// Whatever parsed must be usable without panicking, and a server
		// that the policy lists must be allowed when it is a URL.
		_ = p.CheckHelper(wire.HelperInfo{Organization: "x"})
		for _, s := range p.AllowedServers {
			if strings.Contains(s, "://") && !strings.Contains(s, "*") {
				if err := p.CheckServer(s); err != nil && !p.Disabled {
					t.Errorf("CheckServer(%q) = %v for a listed server", s, err)
				}
			}
		}
	})
}

func TestParseFileForceRelay(t *testing.T) {
	tests := []struct {
		content string
		want    bool
		wantErr bool
	}{
		{`{}`, false, false},
		{`{"ForceRelay": true}`, true, false},
		{`{"forceRelay": true, "AllowedServers": ["help.contoso.com"]}`, true, false},
		{`{"ForceRelay": "yes"}`, false, true},
	}
	for _, tt := range tests {
		p, err := ParseFile([]byte(tt.content))
		if (err != nil) != tt.wantErr || p.ForceRelay != tt.want {
			t.Errorf("ParseFile(%s) = ForceRelay %v, err %v; want %v, err %v", tt.content, p.ForceRelay, err, tt.want, tt.wantErr)
		}
	}
}
