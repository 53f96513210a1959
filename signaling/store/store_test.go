package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/store/pgtest"
	"github.com/quickhelp/quickhelp/wire"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openTest opens a new SQLite store.
func openTest(t *testing.T) *Store {
	t.Helper()
	return openBackend(t, "sqlite")
}

// openBackend opens a new, empty store on backend "sqlite" or "postgres"
// (a fresh database of the package's throw-away PostgreSQL server).
func openBackend(t *testing.T, backend string) *Store {
	t.Helper()
	var s *Store
	var err error
	if backend == "postgres" {
		s, err = OpenPostgres(context.Background(), pgtest.Database(t))
	} else {
		s, err = Open(filepath.Join(t.TempDir(), "quickhelp.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != backend {
		t.Fatalf("Backend() = %q, want %q", s.Backend(), backend)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// backends runs f on a new store of each back end.
func backends(t *testing.T, f func(t *testing.T, s *Store)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) { f(t, openBackend(t, b)) })
	}
}

func seed(t *testing.T, s *Store) (Org, User) {
	t.Helper()
	ctx := context.Background()
	o := Org{ID: "org1", Name: "Contoso", CreatedAt: t0}
	if err := s.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	u := User{ID: "u1", OrgID: o.ID, Email: "alex@example.com", FirstName: "Alex", LastName: "Parker", Role: wire.RoleHelper, PasswordHash: "h", CreatedAt: t0}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return o, u
}

func newSession(t *testing.T, s *Store, id string, code []byte, created time.Time) {
	t.Helper()
	err := s.CreateSession(context.Background(), NewSession{ID: id, OrgID: "org1", HelperID: "u1", CodeHash: code,
		CodeExpiresAt: created.Add(10 * time.Minute), HelperTokenHash: "ht-" + id, TokenExpiresAt: created.Add(8 * time.Hour), CreatedAt: created})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAccounts(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, u := seed(t, s)
		if err := s.CreateOrg(ctx, Org{ID: "org2", Name: "Contoso", CreatedAt: t0}); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate org name: error = %v, want ErrConflict", err)
		}
		dup := u
		dup.ID, dup.Email = "u2", "ALEX@example.com"
		if err := s.CreateUser(ctx, dup); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate e-mail (other case): error = %v, want ErrConflict", err)
		}
		got, err := s.UserByEmail(ctx, "Alex@Example.com")
		if err != nil || got.ID != "u1" || got.OrgName != "Contoso" {
			t.Fatalf("UserByEmail = %+v, %v", got, err)
		}
		if err := s.CreateAuthToken(ctx, "th", "u1", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByAuthToken(ctx, "th", t0); err != nil {
			t.Errorf("UserByAuthToken(valid) error = %v", err)
		}
		if _, err := s.UserByAuthToken(ctx, "th", t0.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("UserByAuthToken(expired) error = %v, want ErrNotFound", err)
		}
		if err := s.SetUserDisabled(ctx, "u1", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByAuthToken(ctx, "th", t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("token of a suspended user still valid: %v", err)
		}
		if err := s.SetUserDisabled(ctx, "nope", true); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetUserDisabled(unknown) = %v, want ErrNotFound", err)
		}
		if err := s.SetOrgDisabled(ctx, "org1", true); err != nil {
			t.Fatal(err)
		}
		got, _ = s.UserByID(ctx, "u1")
		if !got.Disabled || !got.OrgDisabled {
			t.Errorf("UserByID = %+v, want disabled user in disabled org", got)
		}
	})
}

func TestCodeLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seed(t, s)
		newSession(t, s, "s1", []byte("code-1"), t0)
		if err := s.CreateSession(ctx, NewSession{ID: "s2", OrgID: "org1", HelperID: "u1", CodeHash: []byte("code-1"), CreatedAt: t0}); !errors.Is(err, ErrConflict) {
			t.Errorf("colliding code hash: error = %v, want ErrConflict", err)
		}
		tests := []struct {
			name string
			code string
			at   time.Time
			want error
		}{
			{"unknown", "code-x", t0, ErrNotFound},
			{"expired", "code-1", t0.Add(10 * time.Minute), ErrNotFound},
			{"live", "code-1", t0.Add(time.Minute), nil},
			{"used", "code-1", t0.Add(2 * time.Minute), ErrNotFound},
		}
		for _, tt := range tests {
			_, err := s.ConsumeCode(ctx, []byte(tt.code), "st", tt.at)
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Errorf("%s: ConsumeCode error = %v, want %v", tt.name, err, tt.want)
			}
		}
		role, _, err := s.ParticipantRole(ctx, "s1", "st", t0.Add(3*time.Minute))
		if err != nil || role != wire.RoleSharer {
			t.Errorf("ParticipantRole(sharer token) = %q, %v", role, err)
		}
		role, _, err = s.ParticipantRole(ctx, "s1", "ht-s1", t0.Add(3*time.Minute))
		if err != nil || role != wire.RoleHelper {
			t.Errorf("ParticipantRole(helper token) = %q, %v", role, err)
		}
		if _, _, err := s.ParticipantRole(ctx, "s1", "wrong", t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("ParticipantRole(wrong token) = %v, want ErrNotFound", err)
		}
		ok, err := s.EndSession(ctx, "s1", wire.ReasonHelperEnded, []string{"chat"}, nil, t0.Add(5*time.Minute))
		if !ok || err != nil {
			t.Fatalf("EndSession = %v, %v", ok, err)
		}
		if ok, _ := s.EndSession(ctx, "s1", wire.ReasonTimeout, nil, nil, t0.Add(6*time.Minute)); ok {
			t.Errorf("second EndSession reported live")
		}
		if _, _, err := s.ParticipantRole(ctx, "s1", "st", t0.Add(6*time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Errorf("token valid after the session ended: %v", err)
		}
		recs, err := s.SessionRecords(ctx, "org1", 10)
		if err != nil || len(recs) != 1 {
			t.Fatalf("SessionRecords = %v, %v", recs, err)
		}
		r := recs[0]
		if r.EndReason != wire.ReasonHelperEnded || r.StartedAt == nil || r.EndedAt == nil || fmt.Sprint(r.Features) != "[chat]" {
			t.Errorf("record = %+v", r)
		}
	})
}

func TestConcurrentConsumeExactlyOneWins(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		seed(t, s)
		newSession(t, s, "s1", []byte("code-1"), t0)
		const n = 16
		var wg sync.WaitGroup
		results := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := s.ConsumeCode(context.Background(), []byte("code-1"), fmt.Sprint("st", i), t0.Add(time.Minute))
				results <- err
			}(i)
		}
		wg.Wait()
		close(results)
		wins := 0
		for err := range results {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, ErrNotFound):
				t.Errorf("ConsumeCode error = %v", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d concurrent consumers won, want exactly 1", wins)
		}
	})
}

func TestExpireAndPurge(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seed(t, s)
		retention := 72 * time.Hour
		now := t0.Add(100 * time.Hour)
		newSession(t, s, "old", []byte("a"), now.Add(-retention-time.Second))
		newSession(t, s, "young", []byte("b"), now.Add(-retention+time.Second))
		newSession(t, s, "fresh", []byte("c"), now.Add(-time.Minute))
		s.CreateReport(ctx, Report{ID: "r-old", SessionID: "old", OrgID: "org1", HelperID: "u1", Comment: "x", CreatedAt: now.Add(-retention - time.Second)})
		s.CreateReport(ctx, Report{ID: "r-young", SessionID: "young", OrgID: "org1", HelperID: "u1", Comment: "y", CreatedAt: now.Add(-retention + time.Second)})
		s.CreateAuthToken(ctx, "expired", "u1", now.Add(-time.Second))
		s.CreateAuthToken(ctx, "valid", "u1", now.Add(time.Hour))

		ids, err := s.ExpireCodes(ctx, now)
		if err != nil || len(ids) != 2 {
			t.Fatalf("ExpireCodes = %v, %v, want old and young", ids, err)
		}
		res, err := s.Purge(ctx, now.Add(-retention), now)
		if err != nil {
			t.Fatal(err)
		}
		if res != (PurgeResult{Sessions: 1, Reports: 1, Tokens: 1}) {
			t.Errorf("Purge = %+v, want 1 of each", res)
		}
		if _, err := s.Session(ctx, "old"); !errors.Is(err, ErrNotFound) {
			t.Errorf("record older than retention survived: %v", err)
		}
		young, err := s.Session(ctx, "young")
		if err != nil || young.EndReason != wire.ReasonExpired {
			t.Errorf("young record = %+v, %v, want kept and expired", young, err)
		}
		if _, err := s.Session(ctx, "fresh"); err != nil {
			t.Errorf("fresh session gone: %v", err)
		}
		reps, _ := s.Reports(ctx, "org1", 10)
		if len(reps) != 1 || reps[0].ID != "r-young" {
			t.Errorf("Reports = %+v, want only r-young", reps)
		}
		if _, err := s.UserByAuthToken(ctx, "valid", now); err != nil {
			t.Errorf("valid token purged: %v", err)
		}
		if err := s.Checkpoint(ctx); err != nil {
			t.Error(err)
		}
	})
}
