package server

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/codes"
	"github.com/quickhelp/quickhelp/signaling/store"
)

// TestBruteForceNoHit makes 1,000 live codes and tries 10^5 random guesses
// through the real lookup path (parse, keyed hash, SQL lookup of a live
// code). With 40-bit codes the expected number of hits is 10^8/2^40 ≈ 1e-4;
// any hit fails the test. The HTTP limits (tested separately) allow a
// single address 20 guesses an hour and everyone together 1000 a minute,
// so this many guesses already needs thousands of addresses.
func TestBruteForceNoHit(t *testing.T) {
	if testing.Short() {
		t.Skip("10^5 database lookups")
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	secret := make([]byte, 32)
	rand.Read(secret)
	now := time.Now()
	s, err := New(Config{Store: st, Secret: secret, PurgeInterval: -1, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	live := map[string]bool{}
	for i := 0; i < 1000; i++ {
		code, _ := codes.Generate(nil)
		id, _ := auth.NewID()
		live[code] = true
		if err := st.CreateSession(ctx, store.NewSession{ID: id, OrgID: "o", HelperID: "h", CodeHash: s.hasher.Hash(code),
			CodeExpiresAt: now.Add(MaxCodeTTL), TokenExpiresAt: now.Add(time.Hour), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	// The path finds a real code, so a miss below is meaningful.
	for code := range live {
		h, ok := s.lookupHash(codes.Format(code))
		if !ok {
			t.Fatalf("lookupHash(%q) refused a real code", code)
		}
		if _, err := st.SessionByCode(ctx, h, now); err != nil {
			t.Fatalf("live code not found: %v", err)
		}
		break
	}
	guesses := 100000
	if raceEnabled {
		// Same path, fewer rounds: the full 10^5 runs without -race.
		guesses = 10000
	}
	hits := 0
	for i := 0; i < guesses; i++ {
		guess, _ := codes.Generate(nil)
		h, ok := s.lookupHash(guess)
		if !ok {
			t.Fatalf("lookupHash refused generated %q", guess)
		}
		_, err := st.SessionByCode(ctx, h, now)
		if err == nil {
			hits++
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("lookup: %v", err)
		}
	}
	if hits != 0 {
		t.Errorf("%d of %d random guesses hit one of 1000 live codes, want 0", hits, guesses)
	}
}
