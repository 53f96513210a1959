package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

func TestSessionStatesAndLive(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		o, u := seed(t, s)
		newSession(t, s, "live", []byte("c1"), t0)
		newSession(t, s, "ended", []byte("c2"), t0)
		if _, err := s.EndSession(ctx, "ended", wire.ReasonReported, nil, nil, t0); err != nil {
			t.Fatal(err)
		}
		// More ids than one batch holds, most of them unknown.
		ids := []string{"live", "ended"}
		for i := 0; i < 2*maxStateBatch; i++ {
			ids = append(ids, fmt.Sprint("gone", i))
		}
		check := func(want map[string]SessionState) {
			t.Helper()
			got, err := s.SessionStates(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(ids) {
				t.Fatalf("SessionStates returned %d states, want %d", len(got), len(ids))
			}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("state of %s = %+v, want %+v", id, got[id], w)
				}
			}
		}
		check(map[string]SessionState{
			"live": {}, "ended": {Ended: true, Reason: wire.ReasonReported}, "gone7": {Ended: true},
		})
		if err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		check(map[string]SessionState{"live": {HelperDisabled: true}})
		if err := s.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := s.SetOrgDisabled(ctx, o.ID, true); err != nil {
			t.Fatal(err)
		}
		check(map[string]SessionState{"live": {OrgDisabled: true}})

		tests := []struct {
			id   string
			at   time.Time
			want bool
		}{
			{"live", t0.Add(time.Minute), true},
			{"live", t0.Add(9 * time.Hour), false}, // tokens expired
			{"ended", t0, false},
			{"unknown", t0, false},
		}
		for _, tt := range tests {
			if got, err := s.SessionLive(ctx, tt.id, tt.at); err != nil || got != tt.want {
				t.Errorf("SessionLive(%q, %v) = %v, %v, want %v", tt.id, tt.at, got, err, tt.want)
			}
		}
	})
}

func TestDataVersionSeesOtherConnections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "quickhelp.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	v0, err := a.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CreateOrg(ctx, Org{ID: "o1", Name: "Own", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.DataVersion(ctx); v != v0 {
		t.Errorf("data version changed after the store's own write: %d → %d", v0, v)
	}
	if err := b.CreateOrg(ctx, Org{ID: "o2", Name: "Other", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.DataVersion(ctx); v == v0 {
		t.Errorf("data version unchanged after another connection's write")
	}
}
