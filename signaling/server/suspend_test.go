package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/ratelimit"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// otherProcess opens a second handle on the service's database file, as the
// `quickhelp-server user disable` command does from its own process.
func otherProcess(t *testing.T, env *servertest.Env) *store.Store {
	t.Helper()
	st, err := store.Open(env.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// expectEndedWithin reads c until session-ended, failing unless it arrives
// with reason within d.
func expectEndedWithin(t *testing.T, c *wsClient, who string, reason wire.Reason, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		_, b, err := c.ws.Read(ctx)
		cancel()
		if err != nil {
			t.Fatalf("%s: no session-ended within %v: %v", who, d, err)
		}
		e, err := wire.DecodeEnvelope(b)
		if err != nil {
			t.Fatalf("%s: bad envelope %q", who, b)
		}
		if e.Type == wire.TypeSessionEnded {
			if e.Reason != reason {
				t.Errorf("%s: session-ended reason %q, want %q", who, e.Reason, reason)
			}
			return
		}
	}
}

// TestSuspendEndsLiveSessions suspends a helper or disables their
// organisation with both participants connected, through the command line
// (another process writing the database), the admin API, and the
// organisation switch: both sides get session-ended within 2 s and the
// helper's reconnect with its old token is refused.
func TestSuspendEndsLiveSessions(t *testing.T) {
	tests := []struct {
		name    string
		disable func(t *testing.T, env *servertest.Env)
	}{
		{"command line user disable", func(t *testing.T, env *servertest.Env) {
			if err := otherProcess(t, env).SetUserDisabled(context.Background(), env.HelperID, true); err != nil {
				t.Fatal(err)
			}
		}},
		{"command line org disable", func(t *testing.T, env *servertest.Env) {
			if err := otherProcess(t, env).SetOrgDisabled(context.Background(), env.Org.ID, true); err != nil {
				t.Fatal(err)
			}
		}},
		{"admin API user", func(t *testing.T, env *servertest.Env) {
			yes := true
			path := servertest.SessionPath(wire.PathAdminUsers, env.HelperID)
			if st, werr := env.Do(t, http.MethodPatch, path, env.AdminToken(t), wire.UserPatch{Disabled: &yes}, nil); st != http.StatusOK {
				t.Fatalf("suspend: %d %+v", st, werr)
			}
		}},
		{"admin API org", func(t *testing.T, env *servertest.Env) {
			if st, werr := env.Do(t, http.MethodPut, wire.PathAdminOrg, env.AdminToken(t), wire.OrgPolicy{Disabled: true}, nil); st != http.StatusOK {
				t.Fatalf("disable org: %d %+v", st, werr)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := servertest.Start(t)
			p := connectPair(t, env)
			start := time.Now()
			tt.disable(t, env)
			expectEndedWithin(t, p.helper, "helper", wire.ReasonPolicy, 2*time.Second-time.Since(start))
			expectEndedWithin(t, p.sharer, "sharer", wire.ReasonPolicy, 2*time.Second-time.Since(start))
			if _, resp, err := dialWS(t, env, p.create.SessionID, p.create.Token, nil); err == nil || resp == nil || resp.StatusCode < 400 {
				t.Errorf("helper reconnect after suspension: err %v, want refused", err)
			}
		})
	}
}

// TestEndedByOtherProcessEndsLiveSession: a session ended in the database
// by another process (another node) ends its live room here too, with the
// stored reason.
func TestEndedByOtherProcessEndsLiveSession(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	start := time.Now()
	ok, err := otherProcess(t, env).EndSession(context.Background(), p.create.SessionID, wire.ReasonReported, nil, nil, time.Now())
	if err != nil || !ok {
		t.Fatalf("EndSession from another process: %v, %v", ok, err)
	}
	expectEndedWithin(t, p.helper, "helper", wire.ReasonReported, 2*time.Second-time.Since(start))
	expectEndedWithin(t, p.sharer, "sharer", wire.ReasonReported, 2*time.Second-time.Since(start))
}

// TestSuspendedHelperCannotResume: the helper drops, is suspended by
// another process while inside the resume window, and reconnects before any
// periodic re-check ran (it is switched off here): the reconnect itself is
// checked, refused with 403 helper_suspended, and the sharer is told the
// session ended.
func TestSuspendedHelperCannotResume(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.PolicyInterval = -1 })
	p := connectPair(t, env)
	p.helper.ws.CloseNow()
	p.sharer.expect(wire.TypePeerLeft)
	if err := otherProcess(t, env).SetUserDisabled(context.Background(), env.HelperID, true); err != nil {
		t.Fatal(err)
	}
	_, resp, err := dialWS(t, env, p.create.SessionID, p.create.Token, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("helper reconnect inside the resume window after suspension: %v %v, want 403", resp, err)
	}
	expectEndedWithin(t, p.sharer, "sharer", wire.ReasonPolicy, 2*time.Second)
	// The sharer cannot come back either: the session is over.
	if _, resp, err := dialWS(t, env, p.join.SessionID, p.join.Token, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sharer reconnect after the end: %v %v, want 401", resp, err)
	}
}

// TestCreateSessionLimits: codes are limited per helper and per
// organisation, counted before the work; 429 with Retry-After beyond.
func TestCreateSessionLimits(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) {
		c.HelperCreates = []ratelimit.Rule{{Window: time.Minute, Max: 3}}
		c.OrgCreates = []ratelimit.Rule{{Window: time.Minute, Max: 5}}
	})
	helper, admin := env.HelperToken(t), env.AdminToken(t)
	for i := 0; i < 3; i++ {
		env.CreateSession(t, helper)
	}
	st, werr := env.Do(t, http.MethodPost, wire.PathSessions, helper, nil, nil)
	if st != http.StatusTooManyRequests || werr.Code != wire.ReasonRateLimited {
		t.Errorf("4th code of one helper in a minute: %d %+v, want 429 rate_limited", st, werr)
	}
	// Another member of the organisation still has their own budget, until
	// the organisation's is spent (3 + 2 = 5).
	env.CreateSession(t, admin)
	env.CreateSession(t, admin)
	if st, werr := env.Do(t, http.MethodPost, wire.PathSessions, admin, nil, nil); st != http.StatusTooManyRequests {
		t.Errorf("6th code of the organisation in a minute: %d %+v, want 429", st, werr)
	}
	env.Clock.Advance(61 * time.Second)
	env.CreateSession(t, helper)
}
