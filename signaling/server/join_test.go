package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/ratelimit"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// postJoin posts a join from a given client address (via X-Forwarded-For,
// which the test server trusts).
func postJoin(t *testing.T, env *servertest.Env, ip, code string) (*http.Response, wire.Error) {
	t.Helper()
	b, _ := json.Marshal(wire.JoinRequest{Code: code})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, env.URL+wire.PathJoin, bytes.NewReader(b))
	if ip != "" {
		req.Header.Set("X-Forwarded-For", "203.0.113.250, "+ip)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var werr wire.Error
	json.NewDecoder(resp.Body).Decode(&werr)
	return resp, werr
}

func TestJoinCodeStates(t *testing.T) {
	env := servertest.Start(t)
	tok := env.HelperToken(t)

	live := env.CreateSession(t, tok)
	used := env.CreateSession(t, tok)
	env.Join(t, used.Code)
	cancelled := env.CreateSession(t, tok)
	if st, _ := env.Do(t, http.MethodDelete, servertest.SessionPath(wire.PathSessionCancel, cancelled.SessionID), tok, nil, nil); st != http.StatusNoContent {
		t.Fatalf("cancel = %d", st)
	}

	_, unknownBody := postJoin(t, env, "", "ZZZZ-ZZZZ")
	tests := []struct {
		name string
		code string
	}{
		{"used", used.Code},
		{"cancelled", cancelled.Code},
		{"malformed", "hello"},
	}
	for _, tt := range tests {
		resp, body := postJoin(t, env, "", tt.code)
		if resp.StatusCode != http.StatusNotFound || body != unknownBody {
			t.Errorf("%s code: %d %+v, want 404 %+v (same as unknown)", tt.name, resp.StatusCode, body, unknownBody)
		}
	}
	// Case, spaces and look-alikes are accepted.
	typed := strings.ToLower(strings.ReplaceAll(live.Code, "-", " "))
	jr := env.Join(t, typed)
	if jr.SessionID != live.SessionID {
		t.Errorf("join(%q) = session %s, want %s", typed, jr.SessionID, live.SessionID)
	}

	// Expiry with the fake clock.
	soon := env.CreateSession(t, tok)
	env.Clock.Advance(server.MaxCodeTTL)
	resp, body := postJoin(t, env, "", soon.Code)
	if resp.StatusCode != http.StatusNotFound || body != unknownBody {
		t.Errorf("expired code: %d %+v, want 404 like unknown", resp.StatusCode, body)
	}
}

func TestConcurrentJoinsExactlyOneWins(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.TrustProxyHeader = true })
	cr := env.CreateSession(t, env.HelperToken(t))
	const n = 8
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, _ := postJoin(t, env, fmt.Sprintf("198.51.100.%d", i+1), cr.Code)
			statuses <- resp.StatusCode
		}(i)
	}
	wg.Wait()
	close(statuses)
	wins := 0
	for st := range statuses {
		switch st {
		case http.StatusOK:
			wins++
		case http.StatusNotFound:
		default:
			t.Errorf("join status %d", st)
		}
	}
	if wins != 1 {
		t.Errorf("%d joins won, want exactly 1", wins)
	}
}

func TestJoinRateLimitPerIP(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.TrustProxyHeader = true })
	ip := "192.0.2.7"
	for i := 0; i < 5; i++ {
		if resp, _ := postJoin(t, env, ip, "AAAA-AAAA"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("guess %d: %d, want 404", i, resp.StatusCode)
		}
	}
	resp, body := postJoin(t, env, ip, "AAAA-AAAA")
	if resp.StatusCode != http.StatusTooManyRequests || body.Code != wire.ReasonRateLimited || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("6th guess: %d %+v Retry-After %q, want 429 rate_limited with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Even a correct code is refused while limited.
	cr := env.CreateSession(t, env.HelperToken(t))
	if resp, _ := postJoin(t, env, ip, cr.Code); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("valid code while limited: %d, want 429", resp.StatusCode)
	}
	// Another client is not affected; after a minute the first may retry.
	if resp, _ := postJoin(t, env, "192.0.2.8", cr.Code); resp.StatusCode != http.StatusOK {
		t.Errorf("other client: %d, want 200", resp.StatusCode)
	}
	env.Clock.Advance(61 * time.Second)
	if resp, _ := postJoin(t, env, ip, "AAAA-AAAA"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after a minute: %d, want 404", resp.StatusCode)
	}
	// The hourly limit: 20 failures in the hour.
	for m := 0; m < 4; m++ {
		env.Clock.Advance(61 * time.Second)
		for i := 0; i < 5; i++ {
			postJoin(t, env, ip, "AAAA-AAAA")
		}
	}
	env.Clock.Advance(61 * time.Second)
	if resp, _ := postJoin(t, env, ip, "AAAA-AAAA"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after 20 failures in the hour: %d, want 429", resp.StatusCode)
	}
	if env.Server.Metrics().RateLimited.Load() < 2 {
		t.Errorf("rate-limited metric not counted")
	}
}

// TestJoinConcurrentGuessesReserved sends 300 wrong codes at once from one
// address: each attempt is reserved before the database lookup, so at most
// the limit (5) reach it and every other one is refused with 429.
func TestJoinConcurrentGuessesReserved(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.TrustProxyHeader = true })
	const n = 300
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, _ := postJoin(t, env, "192.0.2.99", "AAAA-AAAA")
			statuses <- resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[http.StatusNotFound] < 1 || count[http.StatusNotFound] > 5 || count[http.StatusTooManyRequests] != n-count[http.StatusNotFound] {
		t.Errorf("300 concurrent wrong codes: %v, want at most 5 × 404 and the rest 429", count)
	}
	if got := env.Server.Metrics().JoinLookups.Load(); got > 5 {
		t.Errorf("%d joins reached the code lookup, want at most 5", got)
	}
}

// TestJoinGlobalBreaker: a spike of failures across many networks trips the
// breaker, which then refuses only the networks (IPv4 /24, IPv6 /56) that
// fail; everyone else keeps joining, and a fresh network that starts
// guessing gets one attempt before it is refused too.
func TestJoinGlobalBreaker(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) {
		c.TrustProxyHeader = true
		c.JoinBreaker = ratelimit.BreakerConfig{Threshold: 30, Window: time.Minute, Cooldown: 30 * time.Second}
	})
	for i := 0; i < 31; i++ {
		ip := fmt.Sprintf("10.%d.0.1", i)
		if i%2 == 1 {
			ip = fmt.Sprintf("2001:db8:%x::1", i)
		}
		resp, _ := postJoin(t, env, ip, "AAAA-AAAA")
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("guess %d: %d, want 404", i, resp.StatusCode)
		}
	}
	// Another address of a failing network (same /24, same /56) is refused.
	for _, ip := range []string{"10.4.0.77", "2001:db8:3:ff::9"} {
		resp, body := postJoin(t, env, ip, "AAAA-AAAA")
		if resp.StatusCode != http.StatusServiceUnavailable || body.Code != wire.ReasonUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("failing network %s after the spike: %d %+v, want 503 with Retry-After", ip, resp.StatusCode, body)
		}
	}
	// Clean networks keep joining, over IPv4 and IPv6.
	tok := env.HelperToken(t)
	for _, ip := range []string{"10.200.0.1", "2001:db8:ffff::1"} {
		cr := env.CreateSession(t, tok)
		if resp, body := postJoin(t, env, ip, cr.Code); resp.StatusCode != http.StatusOK {
			t.Errorf("clean network %s while tripped: %d %+v, want 200", ip, resp.StatusCode, body)
		}
	}
	// A fresh network that guesses gets one attempt, then is refused.
	if resp, _ := postJoin(t, env, "10.201.0.1", "AAAA-AAAA"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("fresh network's first guess while tripped: %d, want 404", resp.StatusCode)
	}
	if resp, _ := postJoin(t, env, "10.201.0.2", "AAAA-AAAA"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("fresh network's second guess while tripped: %d, want 503", resp.StatusCode)
	}
	if env.Server.Metrics().BreakerTrips.Load() < 3 {
		t.Errorf("breaker refusals not counted")
	}
	env.Clock.Advance(61 * time.Second)
	if resp, _ := postJoin(t, env, "10.4.0.78", "AAAA-AAAA"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after the cooldown: %d, want 404", resp.StatusCode)
	}
}
