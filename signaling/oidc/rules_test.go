package oidc

import (
	"errors"
	"net"
	"testing"
)

func TestLoopbackRedirect(t *testing.T) {
	tests := []struct {
		uri string
		ok  bool
	}{
		{"http://127.0.0.1:5000/cb", true},
		{"http://[::1]:5000/cb?x=1", true},
		{"http://127.0.0.1/cb", false},         // no port
		{"http://localhost:5000/cb", false},    // a name can resolve elsewhere
		{"https://127.0.0.1:5000/cb", false},   // loopback is plain http (RFC 8252 8.3)
		{"http://10.0.0.1:5000/cb", false},     // another computer
		{"http://evil@127.0.0.1:5000/", false}, // user information
		{"http://127.0.0.1:5000/#frag", false},
		{"javascript:alert(1)", false},
	}
	for _, tt := range tests {
		_, err := LoopbackRedirect(tt.uri)
		if (err == nil) != tt.ok {
			t.Errorf("LoopbackRedirect(%q) = %v, want ok %v", tt.uri, err, tt.ok)
		}
	}
}

func TestPKCE(t *testing.T) {
	// RFC 7636 appendix B.
	const v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	if got := S256(v); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("S256 = %q", got)
	}
	if !ValidChallenge(S256(v)) || ValidChallenge("short") || ValidChallenge(S256(v)[:42]+"!") {
		t.Error("ValidChallenge")
	}
	if !VerifierMatches(v, S256(v)) || VerifierMatches(v+"x", S256(v)) || VerifierMatches("", S256("")) {
		t.Error("VerifierMatches")
	}
}

func TestCheckRules(t *testing.T) {
	kim := Identity{Email: "kim@Contoso.com", EmailVerified: true}
	tests := []struct {
		name string
		org  Org
		id   Identity
		all  map[string]any
		ok   bool
	}{
		{"no rules", Org{}, Identity{}, nil, true},
		{"domain, verified", Org{AllowedDomain: "contoso.com"}, kim, nil, true},
		{"domain, unverified", Org{AllowedDomain: "contoso.com"}, Identity{Email: "kim@contoso.com"}, nil, false},
		{"other domain", Org{AllowedDomain: "contoso.com"}, Identity{Email: "kim@contoso.com.evil", EmailVerified: true}, nil, false},
		{"tenant matches", Org{TenantClaim: "tid=t1", AllowedDomain: "contoso.com"}, Identity{}, map[string]any{"tid": "t1"}, true},
		{"tenant differs", Org{TenantClaim: "tid=t1"}, kim, map[string]any{"tid": "t2"}, false},
		{"tenant missing", Org{TenantClaim: "tid=t1"}, kim, map[string]any{}, false},
	}
	for _, tt := range tests {
		err := checkRules(tt.org, tt.id, tt.all)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrNotAllowed)) {
			t.Errorf("%s: checkRules = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestSealer(t *testing.T) {
	s, err := NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Seal("a", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open("a", b); err != nil || string(got) != "secret" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := s.Open("b", b); !errors.Is(err, ErrSealed) {
		t.Errorf("Open for another purpose = %v, want ErrSealed", err)
	}
	other, _ := NewSealer(append(make([]byte, 31), 1))
	if _, err := other.Open("a", b); !errors.Is(err, ErrSealed) {
		t.Errorf("Open under another secret = %v, want ErrSealed", err)
	}
	if _, err := NewSealer(make([]byte, 16)); err == nil {
		t.Error("short secret accepted")
	}
}

func TestEmailVerified(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		c    claims
		want bool
	}{
		{claims{}, false},
		{claims{EmailVerified: &yes}, true},
		{claims{EmailVerified: &no, DomainVerified: true}, false}, // the standard claim wins
		{claims{DomainVerified: true}, true},                      // Entra ID's xms_edov
		{claims{DomainVerified: "1"}, true},
		{claims{DomainVerified: "0"}, false},
	}
	for _, tt := range tests {
		if got := tt.c.emailVerified(); got != tt.want {
			t.Errorf("%+v.emailVerified() = %v, want %v", tt.c, got, tt.want)
		}
	}
}

// FuzzLoopbackRedirect: whatever the app (or anyone) sends as
// redirect_uri, an accepted one is plain http to a loopback IP literal with
// a port, and nothing else.
func FuzzLoopbackRedirect(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:5000/cb", "http://[::1]:1/", "http://localhost:1/", "http://127.0.0.1.evil.com:1/",
		"http://127.0.0.1:1@evil.com/", "http://0x7f.1:80/", "http://[::ffff:127.0.0.1]:8/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := LoopbackRedirect(s)
		if err != nil {
			return
		}
		ip := net.ParseIP(u.Hostname())
		if u.Scheme != "http" || ip == nil || !ip.IsLoopback() || u.Port() == "" || u.User != nil || u.Fragment != "" {
			t.Fatalf("LoopbackRedirect(%q) accepted %#v", s, u)
		}
	})
}
