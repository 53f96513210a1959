package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

func TestOrgDisabled(t *testing.T) {
	env := servertest.Start(t)
	admin := env.AdminToken(t)
	helper := env.HelperToken(t)
	pending := env.CreateSession(t, helper)
	p := connectPair(t, env)

	disabled := true
	var pol wire.OrgPolicy
	if st, werr := env.Do(t, http.MethodPut, wire.PathAdminOrg, admin, wire.OrgPolicy{Disabled: disabled}, &pol); st != http.StatusOK || !pol.Disabled || pol.Name != "Contoso" {
		t.Fatalf("PUT org: %d %+v %+v", st, werr, pol)
	}
	// Live sessions end with reason policy.
	if m := p.helper.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonPolicy {
		t.Errorf("live session ended with %q, want policy", m.Reason)
	}
	st, werr := env.Do(t, http.MethodPost, wire.PathSessions, helper, nil, nil)
	if st != http.StatusForbidden || werr.Code != wire.ReasonOrgDisabled || !strings.Contains(werr.Message, "turned off") {
		t.Errorf("create while disabled: %d %+v, want 403 org_disabled", st, werr)
	}
	st, werr = env.Do(t, http.MethodPost, wire.PathJoin, "", wire.JoinRequest{Code: pending.Code}, nil)
	if st != http.StatusForbidden || werr.Code != wire.ReasonOrgDisabled {
		t.Errorf("join while disabled: %d %+v, want 403 org_disabled", st, werr)
	}
	// Re-enabled: the same unconsumed code works.
	env.Do(t, http.MethodPut, wire.PathAdminOrg, admin, wire.OrgPolicy{Disabled: false}, nil)
	env.Join(t, pending.Code)

	// Only admins may change policy; unknown fields are refused.
	if st, werr := env.Do(t, http.MethodPut, wire.PathAdminOrg, helper, wire.OrgPolicy{}, nil); st != http.StatusForbidden || werr.Code != wire.ReasonForbidden {
		t.Errorf("helper PUT org: %d %+v, want 403 forbidden", st, werr)
	}
	if st, _ := env.Do(t, http.MethodPut, wire.PathAdminOrg, admin, map[string]any{"disabled": true, "evil": 1}, nil); st != http.StatusBadRequest {
		t.Errorf("unknown field: %d, want 400", st)
	}
}

func TestHelperSuspended(t *testing.T) {
	env := servertest.Start(t)
	admin := env.AdminToken(t)
	helper := env.HelperToken(t)
	pending := env.CreateSession(t, helper)

	yes := true
	var u wire.User
	path := strings.Replace(wire.PathAdminUsers, "{id}", env.HelperID, 1)
	if st, werr := env.Do(t, http.MethodPatch, path, admin, wire.UserPatch{Disabled: &yes}, &u); st != http.StatusOK || !u.Disabled {
		t.Fatalf("PATCH user: %d %+v %+v", st, werr, u)
	}
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		body   any
		status int
	}{
		{"old token", http.MethodPost, wire.PathSessions, helper, nil, http.StatusUnauthorized}, // tokens revoked
		{"login", http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: env.HelperEmail, Password: env.HelperPassword}, http.StatusForbidden},
		{"join to the helper", http.MethodPost, wire.PathJoin, "", wire.JoinRequest{Code: pending.Code}, http.StatusForbidden},
	}
	for _, tt := range tests {
		st, werr := env.Do(t, tt.method, tt.path, tt.token, tt.body, nil)
		if st != tt.status || (st == http.StatusForbidden && werr.Code != wire.ReasonHelperSuspended) {
			t.Errorf("%s: %d %+v, want %d (helper_suspended if 403)", tt.name, st, werr, tt.status)
		}
	}
	// Admins cannot suspend themselves, nor users of other organisations.
	self := strings.Replace(wire.PathAdminUsers, "{id}", env.AdminID, 1)
	if st, _ := env.Do(t, http.MethodPatch, self, admin, wire.UserPatch{Disabled: &yes}, nil); st != http.StatusBadRequest {
		t.Errorf("self-suspend: %d, want 400", st)
	}
	nobody := strings.Replace(wire.PathAdminUsers, "{id}", "nobody", 1)
	if st, _ := env.Do(t, http.MethodPatch, nobody, admin, wire.UserPatch{Disabled: &yes}, nil); st != http.StatusNotFound {
		t.Errorf("unknown user: %d, want 404", st)
	}
	// Re-enabled: login works again.
	no := false
	env.Do(t, http.MethodPatch, path, admin, wire.UserPatch{Disabled: &no}, nil)
	env.HelperToken(t)
}

func TestReportEndsSessionAndIsListed(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	path := servertest.SessionPath(wire.PathReport, p.create.SessionID)

	// Only the sharer may report.
	if st, werr := env.Do(t, http.MethodPost, path, p.create.Token, wire.ReportRequest{Comment: "x"}, nil); st != http.StatusForbidden {
		t.Errorf("helper report: %d %+v, want 403", st, werr)
	}
	if st, _ := env.Do(t, http.MethodPost, path, p.join.Token, wire.ReportRequest{Comment: strings.Repeat("é", 2001)}, nil); st != http.StatusBadRequest {
		t.Errorf("2001-rune comment: %d, want 400", st)
	}
	comment := strings.Repeat("é", 1990) + " scam"
	if st, werr := env.Do(t, http.MethodPost, path, p.join.Token, wire.ReportRequest{Comment: comment}, nil); st != http.StatusNoContent {
		t.Fatalf("report: %d %+v", st, werr)
	}
	for name, c := range map[string]*wsClient{"helper": p.helper, "sharer": p.sharer} {
		if m := c.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonReported {
			t.Errorf("%s: reason %q, want reported", name, m.Reason)
		}
	}
	admin := env.AdminToken(t)
	var reps []wire.AbuseReport
	if st, _ := env.Do(t, http.MethodGet, wire.PathAdminReports, admin, nil, &reps); st != http.StatusOK || len(reps) != 1 {
		t.Fatalf("reports: %d %+v", st, reps)
	}
	if r := reps[0]; r.SessionID != p.create.SessionID || r.HelperID != env.HelperID || r.Comment != comment {
		t.Errorf("report = %+v", r)
	}
	var recs []wire.SessionRecord
	env.Do(t, http.MethodGet, wire.PathAdminSessions, admin, nil, &recs)
	if len(recs) != 1 || recs[0].EndReason != wire.ReasonReported || !strings.Contains(strings.Join(recs[0].Features, ","), wire.FeatureReport) {
		t.Errorf("record = %+v, want reason reported with feature report", recs)
	}
	if env.Server.Metrics().Reports.Load() != 1 {
		t.Errorf("reports metric = %d, want 1", env.Server.Metrics().Reports.Load())
	}
	// Helpers cannot read admin lists.
	if st, _ := env.Do(t, http.MethodGet, wire.PathAdminReports, env.HelperToken(t), nil, nil); st != http.StatusForbidden {
		t.Errorf("helper GET reports: %d, want 403", st)
	}
	// The sharer's token died with the session.
	if st, _ := env.Do(t, http.MethodPost, path, p.join.Token, wire.ReportRequest{}, nil); st != http.StatusUnauthorized {
		t.Errorf("second report: %d, want 401", st)
	}
}

// A sharer may report after the session has ended (the helper often hangs up
// first), once, within ReportWindow of joining.
func TestReportAfterSessionEnded(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	path := servertest.SessionPath(wire.PathReport, p.create.SessionID)
	p.helper.send(wire.Envelope{Type: wire.TypeEnd})
	p.sharer.expect(wire.TypeSessionEnded)

	if st, _ := env.Do(t, http.MethodPost, path, p.create.Token, wire.ReportRequest{Comment: "x"}, nil); st != http.StatusUnauthorized {
		t.Errorf("helper report after the end: %d, want 401", st)
	}
	if st, werr := env.Do(t, http.MethodPost, path, p.join.Token, wire.ReportRequest{Comment: "asked for my bank code"}, nil); st != http.StatusNoContent {
		t.Fatalf("report after the end: %d %+v, want 204", st, werr)
	}
	if st, _ := env.Do(t, http.MethodPost, path, p.join.Token, wire.ReportRequest{Comment: "again"}, nil); st != http.StatusUnauthorized {
		t.Errorf("second report: %d, want 401", st)
	}
	var reps []wire.AbuseReport
	if st, _ := env.Do(t, http.MethodGet, wire.PathAdminReports, env.AdminToken(t), nil, &reps); st != http.StatusOK || len(reps) != 1 || reps[0].Comment != "asked for my bank code" {
		t.Fatalf("reports: %d %+v, want the one report", st, reps)
	}

	// Past the window the key is gone.
	q := connectPair(t, env)
	q.sharer.send(wire.Envelope{Type: wire.TypeEnd})
	q.helper.expect(wire.TypeSessionEnded)
	env.Clock.Advance(server.ReportWindow + time.Second)
	late := servertest.SessionPath(wire.PathReport, q.create.SessionID)
	if st, _ := env.Do(t, http.MethodPost, late, q.join.Token, wire.ReportRequest{}, nil); st != http.StatusUnauthorized {
		t.Errorf("report after the window: %d, want 401", st)
	}
}
