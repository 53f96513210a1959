package server_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// serverAddAdmin adds a second admin of the test organisation (password
// "second-password-1") and returns its ID.
func serverAddAdmin(ctx context.Context, env *servertest.Env, email string) (string, error) {
	u, err := server.AddUser(ctx, env.Store, server.NewUser{Email: email, FirstName: "Sam", LastName: "Second",
		Org: servertest.OrgName, Role: wire.RoleAdmin, Password: "second-password-1"}, env.Clock.Now())
	return u.ID, err
}

// otherOrgUser adds a helper of another organisation and returns its ID.
func otherOrgUser(ctx context.Context, env *servertest.Env) (string, error) {
	if _, err := server.EnsureOrg(ctx, env.Store, "Fabrikam", env.Clock.Now()); err != nil {
		return "", err
	}
	u, err := server.AddUser(ctx, env.Store, server.NewUser{Email: "kim@fabrikam.example", FirstName: "Kim", LastName: "Lee",
		Org: "Fabrikam", Role: wire.RoleHelper, Password: "fabrikam-password-1"}, env.Clock.Now())
	return u.ID, err
}

// TestAdminActionsAudited runs every admin console action through the
// cookie session and checks what it did and that the audit log says who did
// what, with no session content.
func TestAdminActionsAudited(t *testing.T) {
	env := servertest.Start(t)
	c := signIn(t, env, env.AdminEmail, env.AdminPassword)
	bearer := env.AdminToken(t) // before passwords are switched off below
	yes, no := true, false
	userPath := servertest.SessionPath(wire.PathAdminUsers, env.HelperID)

	// A live session, listed and ended by the admin: both people told.
	p := connectPair(t, env)
	p.helper.send(wire.Envelope{Type: wire.TypeChat, Text: "CANARY-chat-text"})
	p.sharer.expect(wire.TypeChat)
	var live []wire.LiveSession
	if st := c.do(http.MethodGet, wire.PathAdminLive, nil, &live); st != http.StatusOK || len(live) != 1 ||
		live[0].ID != p.create.SessionID || live[0].HelperEmail != env.HelperEmail || live[0].StartedAt == nil {
		t.Fatalf("live = %d %+v", st, live)
	}
	if st := c.do(http.MethodDelete, servertest.SessionPath(wire.PathAdminLiveEnd, p.create.SessionID), nil, nil); st != http.StatusNoContent {
		t.Fatalf("end session = %d", st)
	}
	expectEndedWithin(t, p.helper, "helper", wire.ReasonPolicy, 2*time.Second)
	expectEndedWithin(t, p.sharer, "sharer", wire.ReasonPolicy, 2*time.Second)
	if st := c.do(http.MethodDelete, servertest.SessionPath(wire.PathAdminLiveEnd, p.create.SessionID), nil, nil); st != http.StatusNotFound {
		t.Errorf("end an ended session = %d, want 404", st)
	}
	if st := c.do(http.MethodGet, wire.PathAdminLive, nil, &live); st != http.StatusOK || len(live) != 0 {
		t.Errorf("live after the end = %+v", live)
	}

	// A report filed by the sharer, marked handled.
	p = connectPair(t, env)
	if st, werr := env.Do(t, http.MethodPost, servertest.SessionPath(wire.PathReport, p.create.SessionID), p.join.Token,
		wire.ReportRequest{Comment: "asked for my bank card"}, nil); st != http.StatusNoContent {
		t.Fatalf("report: %d %+v", st, werr)
	}
	var reps []wire.AbuseReport
	if st := c.do(http.MethodGet, wire.PathAdminReports, nil, &reps); st != http.StatusOK || len(reps) != 1 || reps[0].HandledAt != nil {
		t.Fatalf("reports = %d %+v", st, reps)
	}
	var rep wire.AbuseReport
	if st := c.do(http.MethodPatch, servertest.SessionPath(wire.PathAdminReport, reps[0].ID), wire.ReportPatch{Handled: &yes}, &rep); st != http.StatusOK ||
		rep.HandledAt == nil || rep.HandledBy != env.AdminEmail {
		t.Fatalf("mark handled = %d %+v", st, rep)
	}
	if st := c.do(http.MethodPatch, servertest.SessionPath(wire.PathAdminReport, "nope"), wire.ReportPatch{Handled: &yes}, nil); st != http.StatusNotFound {
		t.Errorf("unknown report = %d, want 404", st)
	}

	// Suspend and restore a helper, change a role, the organisation switches.
	if st := c.do(http.MethodPatch, userPath, wire.UserPatch{Disabled: &yes}, nil); st != http.StatusOK {
		t.Fatalf("suspend = %d", st)
	}
	if st, werr := env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: env.HelperEmail, Password: env.HelperPassword}, nil); st != http.StatusForbidden || werr.Code != wire.ReasonHelperSuspended {
		t.Errorf("suspended helper signs in: %d %+v", st, werr)
	}
	if st := c.do(http.MethodPatch, userPath, wire.UserPatch{Disabled: &no}, nil); st != http.StatusOK {
		t.Fatalf("restore = %d", st)
	}
	admin := wire.RoleAdmin
	if st := c.do(http.MethodPatch, userPath, wire.UserPatch{Role: &admin}, nil); st != http.StatusOK {
		t.Fatalf("role = %d", st)
	}
	for _, patch := range []wire.OrgPolicyPatch{{Disabled: &yes}, {Disabled: &no}, {RelayOnly: &yes}} {
		if st := c.do(http.MethodPut, wire.PathAdminOrg, patch, nil); st != http.StatusOK {
			t.Fatalf("PUT org %+v = %d", patch, st)
		}
	}
	oidcPut := wire.OIDCSettings{Issuer: "https://login.example.com/tenant", ClientID: "quickhelp", ClientSecret: "CANARY-client-secret", LocalSignIn: &no}
	if st := c.do(http.MethodPut, wire.PathAdminOIDC, oidcPut, nil); st != http.StatusOK {
		t.Fatalf("PUT oidc = %d", st)
	}
	if st := c.do(http.MethodPost, wire.PathAdminLogout, nil, nil); st != http.StatusNoContent {
		t.Fatalf("sign-out = %d", st)
	}

	// The log, read with a bearer token as the CLI's REST users do.
	var log []wire.AuditEntry
	if st, _ := env.Do(t, http.MethodGet, wire.PathAdminAudit, bearer, nil, &log); st != http.StatusOK {
		t.Fatalf("audit = %d", st)
	}
	want := []struct{ action, target, detail string }{
		{wire.AuditSignOut, "", ""},
		{wire.AuditOrgOIDC, "", "issuer=https://login.example.com/tenant local-sign-in=false"},
		{wire.AuditOrgRelayOnly, "", "true"},
		{wire.AuditOrgEnable, "", ""},
		{wire.AuditOrgDisable, "", ""},
		{wire.AuditUserRole, env.HelperEmail, "admin"},
		{wire.AuditUserRestore, env.HelperEmail, ""},
		{wire.AuditUserSuspend, env.HelperEmail, ""},
		{wire.AuditReportHandled, reps[0].ID, ""},
		{wire.AuditSessionEnd, live0(t, env, bearer, p), ""},
		{wire.AuditSignIn, "", ""},
	}
	if len(log) != len(want) {
		t.Fatalf("audit log has %d entries, want %d: %+v", len(log), len(want), log)
	}
	for i, w := range want {
		e := log[i]
		if e.Action != w.action || (w.target != "" && e.Target != w.target) || e.Detail != w.detail || e.ActorEmail != env.AdminEmail || e.ActorID != env.AdminID {
			t.Errorf("audit[%d] = %+v, want %s %s %s by %s", i, e, w.action, w.target, w.detail, env.AdminEmail)
		}
	}
	raw, err := readAll(env.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "CANARY-chat-text") {
		t.Error("chat text reached the database")
	}
	for _, e := range log {
		if strings.Contains(e.Detail+e.Target, "CANARY") {
			t.Errorf("audit entry carries a secret or chat: %+v", e)
		}
	}
}

// live0 is the ID of the first session of the test, the one the admin
// ended (the second is p's).
func live0(t *testing.T, env *servertest.Env, bearer string, p *pair) string {
	t.Helper()
	var recs []wire.SessionRecord
	env.Do(t, http.MethodGet, wire.PathAdminSessions, bearer, nil, &recs)
	for _, r := range recs {
		if r.ID != p.create.SessionID && r.EndReason == wire.ReasonPolicy {
			return r.ID
		}
	}
	t.Fatalf("no session ended by policy in %+v", recs)
	return ""
}

// TestAdminCookieSuspendEndsLiveSession: suspending a helper in a live
// session from the admin console ends it for both within 2 s, and the
// helper can neither sign in nor reconnect.
func TestAdminCookieSuspendEndsLiveSession(t *testing.T) {
	env := servertest.Start(t)
	c := signIn(t, env, env.AdminEmail, env.AdminPassword)
	p := connectPair(t, env)
	yes := true
	start := time.Now()
	if st := c.do(http.MethodPatch, servertest.SessionPath(wire.PathAdminUsers, env.HelperID), wire.UserPatch{Disabled: &yes}, nil); st != http.StatusOK {
		t.Fatalf("suspend = %d", st)
	}
	expectEndedWithin(t, p.helper, "helper", wire.ReasonPolicy, 2*time.Second)
	expectEndedWithin(t, p.sharer, "sharer", wire.ReasonPolicy, 2*time.Second-time.Since(start))
	if st, _ := env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: env.HelperEmail, Password: env.HelperPassword}, nil); st != http.StatusForbidden {
		t.Errorf("suspended helper signs in: %d, want 403", st)
	}
	if _, resp, err := dialWS(t, env, p.create.SessionID, p.create.Token, nil); err == nil || resp == nil || resp.StatusCode < 400 {
		t.Errorf("suspended helper reconnects: %v", err)
	}
}

// TestAdminConsolePages serves the built pages with the strict CSP and
// nothing outside them.
func TestAdminConsolePages(t *testing.T) {
	pages := fstestMap{
		"index.html":       "<!doctype html><script type=module src=./assets/app.js></script>",
		"assets/app.js":    "console.log(1)",
		"assets/style.css": "body{}",
	}
	env := servertest.StartWith(t, func(cfg *server.Config) { cfg.AdminFS = pages.fs() })
	tests := []struct {
		path, wantType string
		want           int
	}{
		{"/admin/", "text/html", http.StatusOK},
		{"/admin/assets/app.js", "text/javascript", http.StatusOK},
		{"/admin/assets/style.css", "text/css", http.StatusOK},
		{"/admin/assets", "", http.StatusNotFound},
		{"/admin/missing.js", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		resp, err := http.Get(env.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.want)
			continue
		}
		if tt.want != http.StatusOK {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
			t.Errorf("GET %s: Content-Type %q, want %s", tt.path, ct, tt.wantType)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", tt.path, csp)
		}
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(env.URL + "/admin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/admin/" {
		t.Errorf("GET /admin = %d %q, want a redirect to /admin/", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// fstestMap is a set of built pages by name.
type fstestMap map[string]string

func (m fstestMap) fs() fstest.MapFS {
	out := fstest.MapFS{}
	for name, body := range m {
		out[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return out
}

// readAll returns the database file and its WAL as one string.
func readAll(dbPath string) (string, error) {
	var sb strings.Builder
	for _, f := range []string{dbPath, dbPath + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			return "", err
		}
		sb.Write(b)
	}
	return sb.String(), nil
}
