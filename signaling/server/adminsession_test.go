package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// console is a browser's view of the admin console: the session cookie, the
// CSRF token the page was given and the Origin its requests carry.
type console struct {
	t      *testing.T
	env    *servertest.Env
	cookie *http.Cookie
	csrf   string
}

// consoleRequest sends a request as a page of the admin console would;
// edit may change it before it goes.
func consoleRequest(t *testing.T, env *servertest.Env, method, path string, cookie *http.Cookie, body any, edit func(*http.Request)) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, env.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", env.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-quickhelp-admin" {
			return c
		}
	}
	return nil
}

// signIn signs in to the admin console with a password and checks the
// cookie's attributes.
func signIn(t *testing.T, env *servertest.Env, email, password string) *console {
	t.Helper()
	resp, raw := consoleRequest(t, env, http.MethodPost, wire.PathAdminLogin, nil, wire.LoginRequest{Email: email, Password: password}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin sign-in: %d %s", resp.StatusCode, raw)
	}
	var sess wire.AdminSession
	if err := json.Unmarshal(raw, &sess); err != nil || sess.CSRFToken == "" || sess.User.Email != email {
		t.Fatalf("admin sign-in answer %s: %v", raw, err)
	}
	c := sessionCookie(resp)
	if c == nil {
		t.Fatalf("no session cookie in %v", resp.Header["Set-Cookie"])
	}
	// Secure even on loopback http: browsers keep Secure cookies of
	// http://127.0.0.1 and localhost (a secure context), and everywhere else
	// the service is reached over https.
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" || c.MaxAge <= 0 {
		t.Errorf("cookie %q: want HttpOnly, Secure, SameSite=Strict, Path=/, no Domain, a Max-Age", resp.Header.Get("Set-Cookie"))
	}
	if strings.Contains(string(raw), c.Value) {
		t.Errorf("the answer body carries the cookie's token")
	}
	return &console{t: t, env: env, cookie: c, csrf: sess.CSRFToken}
}

// do sends a same-origin request with the session cookie and CSRF token.
func (c *console) do(method, path string, body, out any) int {
	c.t.Helper()
	resp, raw := consoleRequest(c.t, c.env, method, path, c.cookie, body, func(r *http.Request) {
		r.Header.Set(wire.CSRFHeader, c.csrf)
	})
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

func TestAdminConsoleSignIn(t *testing.T) {
	env := servertest.Start(t)
	login := wire.LoginRequest{Email: env.AdminEmail, Password: env.AdminPassword}
	tests := []struct {
		name string
		body wire.LoginRequest
		edit func(*http.Request)
		want int
	}{
		{"another site's page", login, func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, http.StatusForbidden},
		{"cross-site fetch", login, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, http.StatusForbidden},
		{"no Origin", login, func(r *http.Request) { r.Header.Del("Origin") }, http.StatusForbidden},
		{"wrong password", wire.LoginRequest{Email: env.AdminEmail, Password: "nope"}, nil, http.StatusUnauthorized},
		{"a helper", wire.LoginRequest{Email: env.HelperEmail, Password: env.HelperPassword}, nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := consoleRequest(t, env, http.MethodPost, wire.PathAdminLogin, nil, tt.body, tt.edit)
			if resp.StatusCode != tt.want || sessionCookie(resp) != nil {
				t.Errorf("sign-in = %d %s (cookie %v), want %d and no cookie", resp.StatusCode, raw, sessionCookie(resp) != nil, tt.want)
			}
		})
	}

	c := signIn(t, env, env.AdminEmail, env.AdminPassword)
	var sess wire.AdminSession
	if st := c.do(http.MethodGet, wire.PathAdminSession, nil, &sess); st != http.StatusOK || sess.CSRFToken != c.csrf || sess.User.Role != wire.RoleAdmin {
		t.Fatalf("GET session = %d %+v", st, sess)
	}
	if resp, _ := consoleRequest(t, env, http.MethodGet, wire.PathAdminSession, nil, nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET session without the cookie = %d, want 401", resp.StatusCode)
	}
	// The cookie authenticates the admin API, not the helper's.
	if resp, _ := consoleRequest(t, env, http.MethodPost, wire.PathSessions, c.cookie, nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("create a code with the admin cookie = %d, want 401", resp.StatusCode)
	}

	if st := c.do(http.MethodPost, wire.PathAdminLogout, nil, nil); st != http.StatusNoContent {
		t.Fatalf("sign-out = %d", st)
	}
	if st := c.do(http.MethodGet, wire.PathAdminOrg, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("after sign-out the cookie still works: %d", st)
	}
}

func TestAdminCookieCSRF(t *testing.T) {
	env := servertest.Start(t)
	c := signIn(t, env, env.AdminEmail, env.AdminPassword)
	other := signIn(t, env, env.AdminEmail, env.AdminPassword)
	if other.csrf == c.csrf {
		t.Fatal("two sessions got the same CSRF token")
	}
	relay := true
	body := wire.OrgPolicyPatch{RelayOnly: &relay}
	tests := []struct {
		name string
		edit func(*http.Request)
		want int
	}{
		{"no token", func(r *http.Request) {}, http.StatusForbidden},
		{"another session's token", func(r *http.Request) { r.Header.Set(wire.CSRFHeader, other.csrf) }, http.StatusForbidden},
		{"foreign Origin", func(r *http.Request) {
			r.Header.Set(wire.CSRFHeader, c.csrf)
			r.Header.Set("Origin", "http://evil.example")
		}, http.StatusForbidden},
		{"no Origin", func(r *http.Request) {
			r.Header.Set(wire.CSRFHeader, c.csrf)
			r.Header.Del("Origin")
		}, http.StatusForbidden},
		{"same-site, not same-origin", func(r *http.Request) {
			r.Header.Set(wire.CSRFHeader, c.csrf)
			r.Header.Set("Sec-Fetch-Site", "same-site")
		}, http.StatusForbidden},
		{"token and Origin", func(r *http.Request) { r.Header.Set(wire.CSRFHeader, c.csrf) }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := consoleRequest(t, env, http.MethodPut, wire.PathAdminOrg, c.cookie, body, tt.edit)
			if resp.StatusCode != tt.want {
				t.Errorf("PUT org = %d %s, want %d", resp.StatusCode, raw, tt.want)
			}
		})
	}
	// Reads need no token (SameSite=Strict keeps the cookie off other
	// sites' requests, and answers are not readable cross-origin).
	var org wire.OrgPolicy
	if resp, raw := consoleRequest(t, env, http.MethodGet, wire.PathAdminOrg, c.cookie, nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET org with the cookie = %d %s", resp.StatusCode, raw)
	} else if json.Unmarshal(raw, &org); !org.RelayOnly {
		t.Errorf("org after the accepted PUT = %+v, want relay-only", org)
	}
	// Only the one accepted change is in the audit log.
	var log []wire.AuditEntry
	env.Do(t, http.MethodGet, wire.PathAdminAudit, env.AdminToken(t), nil, &log)
	n := 0
	for _, e := range log {
		if e.Action == wire.AuditOrgRelayOnly {
			n++
		}
	}
	if n != 1 {
		t.Errorf("audit log has %d relay-only changes, want 1: %+v", n, log)
	}
}

func TestAdminSessionBounds(t *testing.T) {
	env := servertest.Start(t)
	c := signIn(t, env, env.AdminEmail, env.AdminPassword)
	// Used every 20 minutes it lives until the absolute limit of 8 h.
	for range 23 {
		env.Clock.Advance(20 * time.Minute)
		if st := c.do(http.MethodGet, wire.PathAdminOrg, nil, nil); st != http.StatusOK {
			t.Fatalf("at %v: %d, want 200", env.Clock.Now(), st)
		}
	}
	env.Clock.Advance(21 * time.Minute)
	if st := c.do(http.MethodGet, wire.PathAdminOrg, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("after 8 h: %d, want 401", st)
	}
	// Unused for more than 30 minutes it ends.
	idle := signIn(t, env, env.AdminEmail, env.AdminPassword)
	env.Clock.Advance(31 * time.Minute)
	if st := idle.do(http.MethodGet, wire.PathAdminOrg, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("after 31 idle minutes: %d, want 401", st)
	}
	// At most five at once: a sixth sign-in ends the oldest.
	var all []*console
	for range 6 {
		all = append(all, signIn(t, env, env.AdminEmail, env.AdminPassword))
		env.Clock.Advance(time.Second)
	}
	if st := all[0].do(http.MethodGet, wire.PathAdminOrg, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("oldest of six sessions: %d, want 401", st)
	}
	if st := all[5].do(http.MethodGet, wire.PathAdminOrg, nil, nil); st != http.StatusOK {
		t.Errorf("newest of six sessions: %d, want 200", st)
	}
}

// TestAdminRoleChecks: a demoted or suspended admin's cookie stops working
// at once, an admin cannot demote or suspend themself, and an account of
// another organisation is not found.
func TestAdminRoleChecks(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	second, err := serverAddAdmin(ctx, env, "second@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c := signIn(t, env, env.AdminEmail, env.AdminPassword)
	s2 := signIn(t, env, "second@example.com", "second-password-1")
	helper := wire.RoleHelper
	yes := true
	if st := c.do(http.MethodPatch, servertest.SessionPath(wire.PathAdminUsers, env.AdminID), wire.UserPatch{Role: &helper}, nil); st != http.StatusBadRequest {
		t.Errorf("demote self = %d, want 400", st)
	}
	if st := c.do(http.MethodPatch, servertest.SessionPath(wire.PathAdminUsers, env.AdminID), wire.UserPatch{Disabled: &yes}, nil); st != http.StatusBadRequest {
		t.Errorf("suspend self = %d, want 400", st)
	}
	bad := "root"
	if st := c.do(http.MethodPatch, servertest.SessionPath(wire.PathAdminUsers, second), wire.UserPatch{Role: &bad}, nil); st != http.StatusBadRequest {
		t.Errorf("unknown role = %d, want 400", st)
	}
	var u wire.User
	if st := c.do(http.MethodPatch, servertest.SessionPath(wire.PathAdminUsers, second), wire.UserPatch{Role: &helper}, &u); st != http.StatusOK || u.Role != wire.RoleHelper {
		t.Fatalf("demote second = %d %+v", st, u)
	}
	if st := s2.do(http.MethodGet, wire.PathAdminOrg, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("demoted admin's cookie: %d, want 401", st)
	}
	other, err := otherOrgUser(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if st := c.do(http.MethodPatch, servertest.SessionPath(wire.PathAdminUsers, other), wire.UserPatch{Disabled: &yes}, nil); st != http.StatusNotFound {
		t.Errorf("suspend another organisation's account = %d, want 404", st)
	}
	var users []wire.User
	if st := c.do(http.MethodGet, wire.PathAdminUserList+"?q=PARK", nil, &users); st != http.StatusOK || len(users) != 1 || users[0].ID != env.HelperID {
		t.Errorf("search PARK = %d %+v, want the helper only", st, users)
	}
	if st := c.do(http.MethodGet, wire.PathAdminUserList, nil, &users); st != http.StatusOK || len(users) != 3 {
		t.Errorf("list = %d, %d accounts, want this organisation's 3", st, len(users))
	}
	// A helper's bearer token is not enough.
	if st, _ := env.Do(t, http.MethodGet, wire.PathAdminUserList, env.HelperToken(t), nil, nil); st != http.StatusForbidden {
		t.Errorf("helper lists users = %d, want 403", st)
	}
}

// TestPasswordSignInMethod: an organisation that allows only its identity
// provider refuses passwords, in the app and on the admin console, and the
// console session that said so keeps working to undo it.
func TestPasswordSignInMethod(t *testing.T) {
	env := servertest.Start(t)
	c := signIn(t, env, env.AdminEmail, env.AdminPassword)
	no, yes := false, true
	oidcOnly := wire.OIDCSettings{Issuer: "https://login.example.com/tenant", ClientID: "quickhelp", ClientSecret: "s", LocalSignIn: &no}
	if st := c.do(http.MethodPut, wire.PathAdminOIDC, oidcOnly, nil); st != http.StatusOK {
		t.Fatalf("provider only = %d", st)
	}
	if st, werr := env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: env.HelperEmail, Password: env.HelperPassword}, nil); st != http.StatusForbidden || werr.Code != wire.ReasonSSORequired {
		t.Errorf("helper password sign-in = %d %+v, want 403 sso-required", st, werr)
	}
	resp, _ := consoleRequest(t, env, http.MethodPost, wire.PathAdminLogin, nil, wire.LoginRequest{Email: env.AdminEmail, Password: env.AdminPassword}, nil)
	if resp.StatusCode != http.StatusForbidden || sessionCookie(resp) != nil {
		t.Errorf("admin console password sign-in = %d, want 403 without a cookie", resp.StatusCode)
	}
	oidcOnly.ClientSecret, oidcOnly.LocalSignIn = "", &yes
	if st := c.do(http.MethodPut, wire.PathAdminOIDC, oidcOnly, nil); st != http.StatusOK {
		t.Errorf("allow passwords again = %d", st)
	}
	env.Login(t, env.HelperEmail, env.HelperPassword)
}
