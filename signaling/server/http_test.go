package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

func TestLogin(t *testing.T) {
	env := servertest.Start(t)
	var lr wire.LoginResponse
	st, _ := env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: "ALEX@example.com", Password: env.HelperPassword}, &lr)
	if st != http.StatusOK || lr.Token == "" || lr.User.Organization != "Contoso" || lr.User.Role != wire.RoleHelper || !lr.ExpiresAt.After(env.Clock.Now()) {
		t.Fatalf("login = %d %+v", st, lr)
	}
	_, wrongPw := env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: env.HelperEmail, Password: "wrong-password"}, nil)
	_, unknown := env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: "nobody@example.com", Password: "wrong-password"}, nil)
	if wrongPw.Code != wire.ReasonUnauthorized || wrongPw != unknown {
		t.Errorf("wrong password %+v and unknown user %+v must be the same 401", wrongPw, unknown)
	}
	// Logout revokes the token.
	if st, _ := env.Do(t, http.MethodPost, wire.PathLogout, lr.Token, nil, nil); st != http.StatusNoContent {
		t.Errorf("logout: %d", st)
	}
	if st, _ := env.Do(t, http.MethodPost, wire.PathSessions, lr.Token, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("token after logout: %d, want 401", st)
	}
}

func TestLoginRateLimit(t *testing.T) {
	env := servertest.Start(t)
	for i := 0; i < 10; i++ {
		email := fmt.Sprintf("nobody%d@example.com", i)
		if st, _ := env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: email, Password: "x"}, nil); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i, st)
		}
	}
	st, werr := env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: env.HelperEmail, Password: env.HelperPassword}, nil)
	if st != http.StatusTooManyRequests || werr.Code != wire.ReasonRateLimited {
		t.Errorf("after 10 failures: %d %+v, want 429", st, werr)
	}
}

// postLogin signs in from a given client address (X-Forwarded-For, which
// the test server trusts) and returns the status.
func postLogin(t *testing.T, env *servertest.Env, ip, email, password string) *http.Response {
	t.Helper()
	b, _ := json.Marshal(wire.LoginRequest{Email: email, Password: password})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, env.URL+wire.PathLogin, bytes.NewReader(b))
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestLoginAccountBackoff: failures against one account from one address
// back that pair off (5 a minute) before the address limit, while the
// helper still signs in from their own address: a stranger cannot lock
// them out. A success gives its reservation back.
func TestLoginAccountBackoff(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.TrustProxyHeader = true })
	const stranger, own = "198.51.100.66", "203.0.113.5"
	for i := 0; i < 3; i++ {
		if resp := postLogin(t, env, own, env.HelperEmail, env.HelperPassword); resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-in %d: %d, want 200", i, resp.StatusCode)
		}
	}
	for i := 0; i < 5; i++ {
		if resp := postLogin(t, env, stranger, env.HelperEmail, "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("stranger's guess %d: %d, want 401", i, resp.StatusCode)
		}
	}
	resp := postLogin(t, env, stranger, env.HelperEmail, env.HelperPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("stranger after 5 failures on the account: %d, want 429 with Retry-After", resp.StatusCode)
	}
	// The same stranger address may still try other accounts (the address
	// limit is 10), and the helper is not locked out from their address.
	if resp := postLogin(t, env, stranger, "other@example.com", "guess"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("stranger on another account: %d, want 401", resp.StatusCode)
	}
	if resp := postLogin(t, env, own, env.HelperEmail, env.HelperPassword); resp.StatusCode != http.StatusOK {
		t.Errorf("helper from their own address after the stranger's guesses: %d, want 200", resp.StatusCode)
	}
}

func TestTokenExpiry(t *testing.T) {
	env := servertest.Start(t)
	tok := env.HelperToken(t)
	env.Clock.Advance(12*60*60*1e9 + 1e9) // 12 h + 1 s
	if st, _ := env.Do(t, http.MethodPost, wire.PathSessions, tok, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("12h-old token: %d, want 401", st)
	}
}

func TestHTTPHygiene(t *testing.T) {
	env := servertest.Start(t)
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
	}{
		{"health", http.MethodGet, wire.PathHealth, "", http.StatusOK},
		{"unknown path", http.MethodGet, "/nope", "", http.StatusNotFound},
		{"trailing data", http.MethodPost, wire.PathJoin, `{"code":"AAAA-AAAA"} {}`, http.StatusBadRequest},
		{"unknown field", http.MethodPost, wire.PathJoin, `{"code":"AAAA-AAAA","x":1}`, http.StatusBadRequest},
		{"not JSON", http.MethodPost, wire.PathLogin, `email=a`, http.StatusBadRequest},
		{"huge body", http.MethodPost, wire.PathLogin, `{"email":"` + strings.Repeat("a", 20000) + `"}`, http.StatusRequestEntityTooLarge},
		{"no bearer", http.MethodPost, wire.PathSessions, "", http.StatusUnauthorized},
		{"admin without bearer", http.MethodGet, wire.PathAdminSessions, "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, env.URL+tt.path, bytes.NewBufferString(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, resp.StatusCode, body, tt.status)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" ||
				!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("security headers missing: %v", resp.Header)
			}
			if tt.status >= 400 && (!strings.Contains(string(body), `"error":`) || resp.Header.Get("Content-Type") != "application/json") {
				t.Errorf("error body %q is not a wire.Error JSON", body)
			}
		})
	}
}

func TestMetricsEndpoint(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	p.helper.send(wire.Envelope{Type: wire.TypeEnd})
	p.sharer.expect(wire.TypeSessionEnded)
	env.Do(t, http.MethodPost, wire.PathJoin, "", wire.JoinRequest{Code: "AAAA-AAAA"}, nil)
	wants := []string{
		"quickhelp_sessions_created_total 1\n",
		`quickhelp_sessions_ended_total{reason="helper-ended"} 1`,
		"quickhelp_joins_failed_total 1\n",
		"quickhelp_turn_allocations 0\n",
		"quickhelp_sessions_active 0\n",
	}
	// The end is counted after session-ended is sent: poll briefly.
	var missing []string
	var b []byte
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(env.URL + wire.PathMetrics)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		missing = missing[:0]
		for _, want := range wants {
			if !strings.Contains(string(b), want) {
				missing = append(missing, want)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range missing {
		t.Errorf("metrics lack %q:\n%s", want, b)
	}
}

func TestCancelSession(t *testing.T) {
	env := servertest.Start(t)
	tok := env.HelperToken(t)
	cr := env.CreateSession(t, tok)
	helper := mustDial(t, env, cr.SessionID, cr.Token)
	helper.expect(wire.TypeHello)
	path := servertest.SessionPath(wire.PathSessionCancel, cr.SessionID)
	// Someone else's token cannot cancel it.
	if st, _ := env.Do(t, http.MethodDelete, path, env.AdminToken(t), nil, nil); st != http.StatusNotFound {
		t.Errorf("admin cancel of another's session: %d, want 404", st)
	}
	if st, _ := env.Do(t, http.MethodDelete, path, tok, nil, nil); st != http.StatusNoContent {
		t.Fatalf("cancel: %d", st)
	}
	if m := helper.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonCancelled {
		t.Errorf("reason = %q, want cancelled", m.Reason)
	}
	if st, _ := env.Do(t, http.MethodPost, wire.PathJoin, "", wire.JoinRequest{Code: cr.Code}, nil); st != http.StatusNotFound {
		t.Errorf("join of a cancelled code: %d, want 404", st)
	}
}
