package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

func TestAdminSessions(t *testing.T) { backends(t, testAdminSessions) }

func testAdminSessions(t *testing.T, s *Store) {
	ctx := context.Background()
	_, u := seed(t, s)
	for i := range 4 {
		a := AdminSession{TokenHash: fmt.Sprintf("h%d", i), UserID: u.ID, CreatedAt: t0.Add(time.Duration(i) * time.Minute), ExpiresAt: t0.Add(time.Hour)}
		if err := s.CreateAdminSession(ctx, a, 3); err != nil {
			t.Fatal(err)
		}
	}
	// The oldest of four went: at most three are kept.
	if _, _, err := s.UserByAdminSession(ctx, "h0", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("oldest session beyond the bound: error = %v, want ErrNotFound", err)
	}
	got, a, err := s.UserByAdminSession(ctx, "h3", t0)
	if err != nil || got.ID != u.ID || !a.CreatedAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("UserByAdminSession(h3) = %v, %+v, %v", got.ID, a, err)
	}
	if _, _, err := s.UserByAdminSession(ctx, "h3", t0.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session: error = %v, want ErrNotFound", err)
	}
	if err := s.ExtendAdminSession(ctx, "h3", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UserByAdminSession(ctx, "h3", t0.Add(time.Hour)); err != nil {
		t.Errorf("extended session: %v", err)
	}
	if err := s.DeleteAdminSession(ctx, "h3"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UserByAdminSession(ctx, "h3", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted session: error = %v, want ErrNotFound", err)
	}
	// Suspending and leaving the admin role both revoke the rest.
	if err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UserByAdminSession(ctx, "h2", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("session of a suspended user: error = %v, want ErrNotFound", err)
	}
	if err := s.SetUserDisabled(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAdminSession(ctx, AdminSession{TokenHash: "h9", UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, 3); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserRole(ctx, u.ID, wire.RoleHelper); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UserByAdminSession(ctx, "h9", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after leaving the admin role: error = %v, want ErrNotFound", err)
	}
	if err := s.SetUserRole(ctx, "nobody", wire.RoleAdmin); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetUserRole(unknown) = %v, want ErrNotFound", err)
	}
}

func TestOrgUsersSearch(t *testing.T) { backends(t, testOrgUsersSearch) }

func testOrgUsersSearch(t *testing.T, s *Store) {
	ctx := context.Background()
	o, _ := seed(t, s)
	if err := s.CreateOrg(ctx, Org{ID: "org2", Name: "Fabrikam", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []User{
		{ID: "u2", OrgID: o.ID, Email: "sam_lee@example.com", FirstName: "Sam", LastName: "Lee"},
		{ID: "u3", OrgID: o.ID, Email: "kim@example.com", FirstName: "Kim", LastName: "Alexander"},
		{ID: "u4", OrgID: "org2", Email: "alexis@fabrikam.example", FirstName: "Alexis", LastName: "Ng"},
	} {
		u.Role, u.PasswordHash, u.CreatedAt = wire.RoleHelper, "h", t0
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"alex@example.com", "kim@example.com", "sam_lee@example.com"}},
		{"ALEX", []string{"alex@example.com", "kim@example.com"}}, // e-mail or last name; other org excluded
		{"sam lee", []string{"sam_lee@example.com"}},
		{"_", []string{"sam_lee@example.com"}}, // a literal underscore, not a wildcard
		{"%", []string{}},
	}
	for _, tt := range tests {
		us, err := s.OrgUsers(ctx, o.ID, tt.query, 100)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, u := range us {
			got = append(got, u.Email)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("OrgUsers(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
	if us, _ := s.OrgUsers(ctx, o.ID, "", 1); len(us) != 1 {
		t.Errorf("OrgUsers limit 1 gave %d", len(us))
	}
}

func TestLiveSessionsAndReportsHandled(t *testing.T) { backends(t, testLiveSessionsAndReportsHandled) }

func testLiveSessionsAndReportsHandled(t *testing.T, s *Store) {
	ctx := context.Background()
	o, u := seed(t, s)
	newSession(t, s, "s1", []byte("c1"), t0)
	newSession(t, s, "s2", []byte("c2"), t0.Add(time.Minute))
	if _, err := s.EndSession(ctx, "s1", wire.ReasonHelperEnded, nil, nil, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	live, err := s.LiveSessions(ctx, o.ID, 10)
	if err != nil || len(live) != 1 || live[0].ID != "s2" || live[0].HelperEmail != u.Email || live[0].StartedAt != nil {
		t.Fatalf("LiveSessions = %+v, %v; want s2 only, waiting", live, err)
	}

	if err := s.CreateReport(ctx, Report{ID: "r1", SessionID: "s1", OrgID: o.ID, HelperID: u.ID, Comment: "scam", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetReportHandled(ctx, "r1", true, "admin@example.com", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r, org, err := s.Report(ctx, "r1")
	if err != nil || org != o.ID || r.HandledAt == nil || !r.HandledAt.Equal(t0.Add(time.Hour)) || r.HandledBy != "admin@example.com" {
		t.Fatalf("Report(r1) = %+v, %q, %v", r, org, err)
	}
	if err := s.SetReportHandled(ctx, "r1", false, "", t0); err != nil {
		t.Fatal(err)
	}
	reps, err := s.Reports(ctx, o.ID, 10)
	if err != nil || len(reps) != 1 || reps[0].HandledAt != nil || reps[0].HandledBy != "" {
		t.Fatalf("Reports after reopening = %+v, %v", reps, err)
	}
	if _, _, err := s.Report(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Report(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.SetReportHandled(ctx, "nope", true, "a", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetReportHandled(unknown) = %v, want ErrNotFound", err)
	}
}

func TestAuditLogAndPurge(t *testing.T) { backends(t, testAuditLogAndPurge) }

func testAuditLogAndPurge(t *testing.T, s *Store) {
	ctx := context.Background()
	o, u := seed(t, s)
	day := 24 * time.Hour
	for i, e := range []AuditEntry{
		{ID: "a1", Action: wire.AuditSignIn, CreatedAt: t0.Add(-400 * day)},
		{ID: "a2", Action: wire.AuditUserSuspend, Target: "sam@example.com", CreatedAt: t0.Add(-10 * day)},
		{ID: "a3", Action: wire.AuditOrgRelayOnly, Detail: "true", CreatedAt: t0},
		{ID: "a4", OrgID: "other", Action: wire.AuditSignIn, CreatedAt: t0},
	} {
		if e.OrgID == "" {
			e.OrgID = o.ID
		}
		e.ActorID, e.ActorEmail = u.ID, u.Email
		if err := s.AddAudit(ctx, e); err != nil {
			t.Fatalf("AddAudit %d: %v", i, err)
		}
	}
	got, err := s.Audit(ctx, o.ID, 10)
	if err != nil || len(got) != 3 || got[0].ID != "a3" || got[0].Detail != "true" || got[1].Target != "sam@example.com" || got[2].ActorEmail != u.Email {
		t.Fatalf("Audit = %+v, %v; want a3, a2, a1 of this organisation", got, err)
	}
	if err := s.CreateAdminSession(ctx, AdminSession{TokenHash: "old", UserID: u.ID, CreatedAt: t0.Add(-day), ExpiresAt: t0.Add(-time.Hour)}, 5); err != nil {
		t.Fatal(err)
	}
	// The session records' 72 h purge leaves the audit log alone.
	if _, err := s.Purge(ctx, t0.Add(-72*time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Audit(ctx, o.ID, 10); len(got) != 3 {
		t.Errorf("after the 72 h purge the audit log has %d entries, want 3", len(got))
	}
	n, err := s.PurgeAudit(ctx, t0.Add(-365*day), t0)
	if err != nil || n != 1 {
		t.Fatalf("PurgeAudit = %d, %v; want 1", n, err)
	}
	if got, _ := s.Audit(ctx, o.ID, 10); len(got) != 2 || got[1].ID != "a2" {
		t.Errorf("after PurgeAudit: %+v, want a3, a2", got)
	}
	var left int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM admin_sessions`).Scan(&left); err != nil || left != 0 {
		t.Errorf("expired admin sessions left after PurgeAudit: %d, %v", left, err)
	}
}
