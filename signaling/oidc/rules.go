package oidc

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// LoopbackRedirect checks an app's redirect URI (RFC 8252 section 7.3):
// http on a literal loopback address with a port, a path, and no user
// information or fragment. Names such as localhost are refused: they can be
// resolved elsewhere.
func LoopbackRedirect(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 512 {
		return nil, fmt.Errorf("%w: redirect URI not parseable", ErrConfig)
	}
	if u.Scheme != "http" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: redirect URI must be http://127.0.0.1:PORT/ or http://[::1]:PORT/", ErrConfig)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() || u.Port() == "" {
		return nil, fmt.Errorf("%w: redirect URI is not a loopback address with a port", ErrConfig)
	}
	return u, nil
}

// S256 is the PKCE code challenge of a verifier (RFC 7636).
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ValidChallenge says whether s looks like an S256 challenge: 43
// characters of base64url.
func ValidChallenge(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// VerifierMatches checks a PKCE verifier against the challenge, in
// constant time. Verifiers are 43–128 characters (RFC 7636 section 4.1).
func VerifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(S256(verifier)), []byte(challenge)) == 1
}

// ParseTenantClaim splits "claim=value"; empty is no rule.
func ParseTenantClaim(s string) (claim, value string, err error) {
	if s == "" {
		return "", "", nil
	}
	claim, value, ok := strings.Cut(s, "=")
	claim, value = strings.TrimSpace(claim), strings.TrimSpace(value)
	if !ok || claim == "" || value == "" {
		return "", "", fmt.Errorf("%w: tenant claim must be claim=value, e.g. tid=<tenant ID>", ErrConfig)
	}
	return claim, value, nil
}

// ValidDomain says whether d is a plausible e-mail domain (lower case,
// letters, digits, dots and hyphens, at least one dot).
func ValidDomain(d string) bool {
	if len(d) < 3 || len(d) > 253 || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// EmailDomain is the lower-case domain of an e-mail address, or "".
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 1 || at == len(email)-1 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}
