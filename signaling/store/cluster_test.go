package store

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/store/pgtest"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`UPDATE t SET a=? WHERE b=? AND c IN (?,?)`, `UPDATE t SET a=$1 WHERE b=$2 AND c IN ($3,$4)`},
		{`SELECT '?' || ? FROM "a?b" WHERE x=?`, `SELECT '?' || $1 FROM "a?b" WHERE x=$2`},
	}
	for _, tt := range tests {
		if got := postgres.rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := sqlite.rebind(tt.in); got != tt.in {
			t.Errorf("sqlite rebind(%q) = %q, want it unchanged", tt.in, got)
		}
	}
}

// TestNodesMigrateAtOnce opens one PostgreSQL database from several
// stores at the same time, as nodes starting together do: the advisory
// lock lets one migrate, every open succeeds and each migration is
// recorded once.
func TestNodesMigrateAtOnce(t *testing.T) {
	url := pgtest.Database(t)
	const nodes = 4
	var wg sync.WaitGroup
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = OpenURL(context.Background(), url)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: OpenURL = %v", i, err)
		}
		defer stores[i].Close()
	}
	var n, maxV int
	if err := stores[0].db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &maxV); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) || maxV != migrations[len(migrations)-1].version {
		t.Errorf("schema_migrations has %d rows up to %d, want %d up to %d", n, maxV, len(migrations), migrations[len(migrations)-1].version)
	}
}

// TestNewerSchemaAccepted: a node of the previous release opens a
// database a newer release has migrated further (rolling upgrade).
func TestNewerSchemaAccepted(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		if _, err := s.db.Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES(?,?,?)`, 9999, "from the future", 1); err != nil {
			t.Fatal(err)
		}
		if err := s.migrate(context.Background()); err != nil {
			t.Errorf("migrate with a newer version present = %v, want nil", err)
		}
	})
}

// TestServiceSecretCreatedOnce: racing first starts agree on one secret
// and later calls return it unchanged.
func TestServiceSecretCreatedOnce(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		got := make([][]byte, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := s.ServiceSecret(ctx, "codes", bytes.Repeat([]byte{byte(i + 1)}, 32))
				if err != nil {
					t.Error(err)
				}
				got[i] = v
			}()
		}
		wg.Wait()
		for i := range got {
			if len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
				t.Fatalf("ServiceSecret results differ: %x vs %x", got[i], got[0])
			}
		}
		again, err := s.ServiceSecret(ctx, "codes", bytes.Repeat([]byte{0xee}, 32))
		if err != nil || !bytes.Equal(again, got[0]) {
			t.Errorf("second ServiceSecret = %x, %v; want the first value %x", again, err, got[0])
		}
	})
}

// TestRateReserveShared: two handles on one database count together, a
// refund gives one attempt back and the retry time is the oldest blocking
// event's.
func TestRateReserveShared(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		rules := []RateRule{{Window: time.Minute, Max: 3}}
		for i := range 3 {
			ok, _, err := s.RateReserve(ctx, "join", "10.0.0.1", rules, t0.Add(time.Duration(i)*time.Second), true)
			if err != nil || !ok {
				t.Fatalf("reserve %d = %v, %v; want ok", i, ok, err)
			}
		}
		ok, retry, err := s.RateReserve(ctx, "join", "10.0.0.1", rules, t0.Add(10*time.Second), true)
		if err != nil || ok || retry != 50*time.Second {
			t.Fatalf("4th reserve = %v, %v, %v; want refused, retry 50s", ok, retry, err)
		}
		if ok, _, _ := s.RateReserve(ctx, "join", "10.0.0.2", rules, t0.Add(10*time.Second), true); !ok {
			t.Error("another key was refused")
		}
		if err := s.RateRefund(ctx, "join", "10.0.0.1", t0.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := s.RateReserve(ctx, "join", "10.0.0.1", rules, t0.Add(11*time.Second), false); !ok {
			t.Error("after a refund the key is still refused")
		}
		if ok, _, _ := s.RateReserve(ctx, "join", "10.0.0.1", rules, t0.Add(61*time.Second), true); !ok {
			t.Error("after the window the key is still refused")
		}
		// Left: the last one (a reserve prunes the key's events older than
		// the longest window).
		if n, err := s.RateCount(ctx, "join", "10.0.0.1", t0); err != nil || n != 1 {
			t.Errorf("RateCount = %d, %v; want 1", n, err)
		}
	})
}
