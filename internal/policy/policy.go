// Package policy reads the machine policy an organisation sets for
// QuickHelp (turn it off, allow only some services, accept help only from
// some organisations) and answers whether a service or helper is allowed.
//
// The policy lives in the registry under HKLM\SOFTWARE\Policies\QuickHelp
// on Windows (Group Policy, Intune) and in /etc/quickhelp/policy.json
// elsewhere, honoured only when root owns it and nobody else may change it.
// The location is fixed in shipped builds. Both the desktop app and the sharer daemon load it. A policy
// that exists but cannot be read fails closed: QuickHelp is treated as
// turned off, because an administrator who wrote a policy meant to restrict.
package policy

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/quickhelp/quickhelp/wire"
)

// DefaultFile is the policy file on Linux and other non-Windows systems.
const DefaultFile = "/etc/quickhelp/policy.json"

// EnvFile names the environment variable that overrides the policy's
// location. Only binaries built with the quickhelp_test build tag read it
// (see override_testbuild.go); shipped binaries ignore it, so nobody can
// switch the organisation's policy off by setting a variable.
const EnvFile = "QUICKHELP_POLICY_FILE"

// RegistryKey is the policy key below HKEY_LOCAL_MACHINE on Windows.
const RegistryKey = `SOFTWARE\Policies\QuickHelp`

// Config selects where the policy is read from.
type Config struct {
	// File is a policy file chosen by the calling code (tests); optional:
	// "" means the machine policy at its fixed place (the registry on
	// Windows, DefaultFile elsewhere). Nothing a user sets reaches it.
	File string
}

// Policy is the machine policy. The zero value allows everything.
type Policy struct {
	// Disabled turns QuickHelp off entirely.
	Disabled bool
	// AllowedServers, when not empty, lists the only services QuickHelp
	// may connect to: URLs ("https://help.contoso.com", "wss://…:8443") or
	// host names ("help.contoso.com", "*.contoso.com").
	AllowedServers []string
	// AllowedHelperOrganizations, when not empty, lists the only helper
	// organisations (as the service reports them) a sharer accepts help from.
	AllowedHelperOrganizations []string
	// ForceRelay makes this machine's peer connections relay-only: media
	// always goes through the service's TURN relay, never directly to
	// the other side (sites that forbid direct connections).
	ForceRelay bool
	// Source says where the policy was read from ("" when none exists),
	// for logs and the About box.
	Source string

	// malformed is set when the policy failed closed.
	malformed bool
}

// Load reads the machine policy. A missing policy is no error and allows
// everything. A policy that exists but cannot be read or parsed returns a
// Policy with Disabled set (fail closed) together with an error wrapping
// ErrMalformed; callers should log the error and show Check's message.
func Load(cfg Config) (Policy, error) {
	path := cfg.File
	if path == "" {
		path = testOverride()
	}
	if path == "" {
		return loadPlatform()
	}
	// A file named by code (or a test build's override) belongs to whoever
	// runs the program; the machine's own file must belong to root.
	return loadFile(path, ownerRootOrSelf)
}

// Check reports whether QuickHelp may run at all: nil, or an *Error whose
// message can be shown as is.
func (p Policy) Check() error {
	if p.malformed {
		return &Error{Kind: ErrMalformed, Message: msgMalformed}
	}
	if p.Disabled {
		return &Error{Kind: ErrDisabled, Message: msgDisabled}
	}
	return nil
}

// CheckServer reports whether QuickHelp may connect to the service at
// serverURL (http, https, ws or wss).
func (p Policy) CheckServer(serverURL string) error {
	if err := p.Check(); err != nil {
		return err
	}
	if len(p.AllowedServers) == 0 {
		return nil
	}
	target, err := parseServer(serverURL)
	if err == nil {
		for _, entry := range p.AllowedServers {
			allowed, perr := parseServer(entry)
			if perr == nil && allowed.matches(target) {
				return nil
			}
		}
	}
	return &Error{
		Kind:    ErrServerNotAllowed,
		Message: "Your organisation only allows QuickHelp services at: " + strings.Join(p.AllowedServers, ", "),
	}
}

// CheckHelper reports whether the sharer may accept help from h. The
// organisation is compared without regard to case or surrounding spaces.
func (p Policy) CheckHelper(h wire.HelperInfo) error {
	if err := p.Check(); err != nil {
		return err
	}
	if len(p.AllowedHelperOrganizations) == 0 {
		return nil
	}
	org := strings.TrimSpace(h.Organization)
	for _, allowed := range p.AllowedHelperOrganizations {
		if org != "" && strings.EqualFold(strings.TrimSpace(allowed), org) {
			return nil
		}
	}
	return &Error{
		Kind:    ErrHelperNotAllowed,
		Message: "Your organisation only allows help from: " + strings.Join(p.AllowedHelperOrganizations, ", "),
	}
}

// failClosed is the policy used when one exists but cannot be read.
func failClosed(source string, cause error) (Policy, error) {
	return Policy{Disabled: true, Source: source, malformed: true},
		fmt.Errorf("%w: %s: %w", ErrMalformed, source, cause)
}

// validate checks the entries of a parsed policy so that a typo fails
// closed instead of silently allowing nothing or everything.
func (p *Policy) validate() error {
	for _, s := range p.AllowedServers {
		if _, err := parseServer(s); err != nil {
			return fmt.Errorf("AllowedServers entry %q: %w", s, err)
		}
	}
	for _, o := range p.AllowedHelperOrganizations {
		if strings.TrimSpace(o) == "" {
			return fmt.Errorf("AllowedHelperOrganizations has an empty entry")
		}
	}
	return nil
}

// server is a normalised service address: scheme family, host, port.
type server struct {
	secure   bool   // https/wss
	anyProto bool   // entry gave a host name only
	host     string // lower case; "*.x" for a wildcard
	port     string // "" when the entry gave none
}

// parseServer accepts a URL (http, https, ws, wss) or a bare host name
// with an optional port and "*." wildcard prefix.
func parseServer(s string) (server, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return server{}, fmt.Errorf("empty server")
	}
	var sv server
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return server{}, err
		}
		switch strings.ToLower(u.Scheme) {
		case "https", "wss":
			sv.secure = true
		case "http", "ws":
		default:
			return server{}, fmt.Errorf("unsupported scheme %q", u.Scheme)
		}
		if u.User != nil {
			return server{}, fmt.Errorf("user information is not allowed")
		}
		sv.host, sv.port = strings.ToLower(u.Hostname()), u.Port()
		if sv.port == "" {
			sv.port = "80"
			if sv.secure {
				sv.port = "443"
			}
		}
	} else {
		sv.anyProto = true
		sv.host = strings.ToLower(s)
		if h, p, err := net.SplitHostPort(s); err == nil {
			sv.host, sv.port = strings.ToLower(h), p
		}
	}
	host := strings.TrimPrefix(sv.host, "*.")
	if host == "" || strings.ContainsAny(host, "/*?#@ ") {
		return server{}, fmt.Errorf("invalid host %q", sv.host)
	}
	return sv, nil
}

// matches reports whether the allowed entry a covers the target t (a
// parsed URL, never a bare host).
func (a server) matches(t server) bool {
	if !a.anyProto && a.secure != t.secure {
		return false
	}
	if a.port != "" && a.port != t.port {
		return false
	}
	if suffix, ok := strings.CutPrefix(a.host, "*."); ok {
		return strings.HasSuffix(t.host, "."+suffix)
	}
	return a.host == t.host
}
