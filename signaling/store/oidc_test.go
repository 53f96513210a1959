package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

func TestOIDCConfig(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		o, _ := seed(t, s)
		if local, err := s.LocalSignIn(ctx, o.ID); err != nil || !local {
			t.Fatalf("LocalSignIn without provider = %v, %v; want true", local, err)
		}
		if err := s.SetOIDCConfig(ctx, OIDCConfig{OrgID: o.ID, Issuer: "https://idp", ClientID: "c"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("first set without secret: error = %v, want ErrNotFound", err)
		}
		c := OIDCConfig{OrgID: o.ID, Issuer: "https://idp", ClientID: "c", SealedSecret: []byte{1, 2}, AllowedDomain: "Contoso.com"}
		if err := s.SetOIDCConfig(ctx, c); err != nil {
			t.Fatal(err)
		}
		c.SealedSecret, c.ClientID, c.LocalSignIn = nil, "c2", false
		if err := s.SetOIDCConfig(ctx, c); err != nil {
			t.Fatalf("update keeping the secret: %v", err)
		}
		got, err := s.OIDCConfigByDomain(ctx, "CONTOSO.COM")
		if err != nil || got.ClientID != "c2" || string(got.SealedSecret) != "\x01\x02" || got.AllowedDomain != "contoso.com" || got.LocalSignIn {
			t.Errorf("OIDCConfigByDomain = %+v, %v", got, err)
		}
		if err := s.CreateOrg(ctx, Org{ID: "org2", Name: "Fabrikam", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		err = s.SetOIDCConfig(ctx, OIDCConfig{OrgID: "org2", Issuer: "https://x", ClientID: "x", SealedSecret: []byte{1}, AllowedDomain: "contoso.com"})
		if !errors.Is(err, ErrConflict) {
			t.Errorf("second organisation with the same domain: error = %v, want ErrConflict", err)
		}
		// Two organisations without a domain rule do not conflict.
		for _, id := range []string{"org2", o.ID} {
			if err := s.SetOIDCConfig(ctx, OIDCConfig{OrgID: id, Issuer: "https://x", ClientID: "x", SealedSecret: []byte{1}}); err != nil {
				t.Errorf("no domain (%s): %v", id, err)
			}
		}
		if err := s.DeleteOIDCConfig(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OIDCConfig(ctx, o.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("after delete: %v, want ErrNotFound", err)
		}
	})
}

func TestOIDCIdentityAndAdmin(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		o, _ := seed(t, s)
		u := User{ID: "u9", OrgID: o.ID, Email: "kim@contoso.com", FirstName: "Kim", LastName: "Lee", Role: wire.RoleHelper, CreatedAt: t0}
		if err := s.CreateOIDCUser(ctx, u, "https://idp", "sub-1"); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByIdentity(ctx, "https://idp", "sub-1")
		if err != nil || got.ID != "u9" || got.PasswordHash != "" {
			t.Errorf("UserByIdentity = %+v, %v", got, err)
		}
		if _, err := s.UserByIdentity(ctx, "https://other", "sub-1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("same subject, other issuer: %v, want ErrNotFound", err)
		}
		// The e-mail of an existing account is never reused for a new identity.
		dup := u
		dup.ID, dup.Email = "u10", "alex@example.com"
		if err := s.CreateOIDCUser(ctx, dup, "https://idp", "sub-2"); !errors.Is(err, ErrConflict) {
			t.Errorf("identity with a taken e-mail: %v, want ErrConflict", err)
		}
		if _, err := s.UserByIdentity(ctx, "https://idp", "sub-2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("failed creation left an identity: %v", err)
		}
		if err := s.AddPendingAdmin(ctx, o.ID, "Kim@Contoso.com"); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.TakePendingAdmin(ctx, o.ID, "kim@contoso.com"); !ok || err != nil {
			t.Errorf("TakePendingAdmin = %v, %v; want true", ok, err)
		}
		if ok, _ := s.TakePendingAdmin(ctx, o.ID, "kim@contoso.com"); ok {
			t.Error("a pending admin was taken twice")
		}
	})
}

func TestOIDCCodesSingleUseBoundedAndExpiring(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seed(t, s)
		for i, h := range []string{"a", "b"} {
			if err := s.CreateOIDCCode(ctx, OIDCCode{CodeHash: h, UserID: "u1", CodeChallenge: "c", SealedGrant: []byte{byte(i)},
				ExpiresAt: t0.Add(time.Minute)}, t0, 2); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateOIDCCode(ctx, OIDCCode{CodeHash: "c", UserID: "u1", ExpiresAt: t0.Add(time.Minute)}, t0, 2); !errors.Is(err, ErrFull) {
			t.Errorf("third code with max 2: %v, want ErrFull", err)
		}
		// Concurrent takes of one code: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.TakeOIDCCode(ctx, "a", t0); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("concurrent takes won %d times, want 1", wins)
		}
		if _, err := s.TakeOIDCCode(ctx, "b", t0.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired code: %v, want ErrNotFound", err)
		}
		// Expired rows no longer count against the bound.
		if err := s.CreateOIDCCode(ctx, OIDCCode{CodeHash: "d", UserID: "u1", SealedGrant: []byte{1}, ExpiresAt: t0.Add(3 * time.Minute)}, t0.Add(2*time.Minute), 1); err != nil {
			t.Errorf("after expiry: %v", err)
		}
		p := OIDCPending{StateHash: "s", OrgID: "org1", RedirectURI: "http://127.0.0.1:1/", AppState: "x", CodeChallenge: "c",
			Nonce: "n", CallbackURL: "https://q/cb", SealedVerifier: []byte{9}, ExpiresAt: t0.Add(time.Minute)}
		if err := s.CreateOIDCPending(ctx, p, t0, 10); err != nil {
			t.Fatal(err)
		}
		got, err := s.TakeOIDCPending(ctx, "s", t0)
		if err != nil || got.Nonce != "n" || got.RedirectURI != p.RedirectURI || string(got.SealedVerifier) != "\x09" {
			t.Errorf("TakeOIDCPending = %+v, %v", got, err)
		}
		if _, err := s.TakeOIDCPending(ctx, "s", t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("second take of a state: %v, want ErrNotFound", err)
		}
	})
}

// TestOIDCGrantGoesWithToken: sign-out, suspension and expiry purge delete
// the provider grant with the token.
func TestOIDCGrantGoesWithToken(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seed(t, s)
		for _, h := range []string{"t1", "t2"} {
			if err := s.CreateAuthToken(ctx, h, "u1", t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateOIDCGrant(ctx, OIDCGrant{TokenHash: h, OrgID: "org1", SealedGrant: []byte{1}, RecheckAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		// Of concurrent claims of a due check exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 6 {
			wg.Go(func() {
				ok, err := s.ClaimOIDCRecheck(ctx, "t1", t0, t0.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("concurrent claims won %d times, want 1", wins)
		}
		if ok, _ := s.ClaimOIDCRecheck(ctx, "t1", t0, t0.Add(time.Minute)); ok {
			t.Error("a claimed check was claimed again")
		}
		if err := s.UpdateOIDCGrant(ctx, "t1", []byte{2}, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if g, err := s.OIDCGrant(ctx, "t1"); err != nil || g.SealedGrant[0] != 2 || !g.RecheckAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("OIDCGrant after update = %+v, %v", g, err)
		}
		if err := s.DeleteAuthToken(ctx, "t1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OIDCGrant(ctx, "t1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("grant after sign-out: %v, want ErrNotFound", err)
		}
		if err := s.SetUserDisabled(ctx, "u1", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OIDCGrant(ctx, "t2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("grant after suspension: %v, want ErrNotFound", err)
		}
	})
}
