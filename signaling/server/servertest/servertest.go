// Package servertest starts a real QuickHelp service on a loopback listener
// with a temporary SQLite database and a seeded organisation, helper and
// administrator, for tests of this and other packages.
package servertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/internal/syncbuf"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// Seeded accounts.
const (
	OrgName        = "Contoso"
	HelperEmail    = "alex@example.com"
	HelperFirst    = "Alex"
	HelperLast     = "Parker"
	HelperPassword = "helper-password-1"
	AdminEmail     = "admin@example.com"
	AdminPassword  = "admin-password-1"
)

// Env is a running service.
type Env struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string
	// WSURL is URL with the ws scheme.
	WSURL   string
	Server  *server.Server
	Store   *store.Store
	DataDir string
	DBPath  string
	Org     store.Org

	HelperID, HelperEmail, HelperPassword string
	AdminID, AdminEmail, AdminPassword    string

	// Clock is the server's clock; Advance moves it. It follows real time
	// plus the total advance.
	Clock *Clock

	// Logs holds everything the server logged (JSON, Debug level).
	Logs *SyncBuffer

	http *httptest.Server
}

// Start starts a service with default settings. It is stopped when the test
// ends.
func Start(t testing.TB) *Env { return StartWith(t, nil) }

// StartWith is Start with a hook to adjust the server configuration before
// the server is created.
func StartWith(t testing.TB, configure func(*server.Config)) *Env {
	t.Helper()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "quickhelp.db")
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	clock := &Clock{}
	ctx := context.Background()
	org, err := server.EnsureOrg(ctx, st, OrgName, clock.Now())
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	helper, err := server.AddUser(ctx, st, server.NewUser{Email: HelperEmail, FirstName: HelperFirst, LastName: HelperLast,
		Org: OrgName, Role: wire.RoleHelper, Password: HelperPassword}, clock.Now())
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	admin, err := server.AddUser(ctx, st, server.NewUser{Email: AdminEmail, FirstName: "Robin", LastName: "Admin",
		Org: OrgName, Role: wire.RoleAdmin, Password: AdminPassword}, clock.Now())
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	logs := &SyncBuffer{}
	secret := make([]byte, 32)
	rand.Read(secret)
	cfg := server.Config{
		Store:  st,
		Secret: secret,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    clock.Now,
	}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	ts := httptest.NewServer(srv)
	e := &Env{
		URL: ts.URL, WSURL: "ws" + strings.TrimPrefix(ts.URL, "http"), Server: srv, Store: st, DataDir: dir, DBPath: dbPath,
		Org: org, HelperID: helper.ID, HelperEmail: HelperEmail, HelperPassword: HelperPassword,
		AdminID: admin.ID, AdminEmail: AdminEmail, AdminPassword: AdminPassword, Clock: clock, Logs: logs, http: ts,
	}
	t.Cleanup(e.Close)
	return e
}

// Close stops the server and closes the database. It is idempotent.
func (e *Env) Close() {
	if e.http == nil {
		return
	}
	e.Server.Close()
	e.http.Close()
	e.Store.Close()
	e.http = nil
}

// Do sends a JSON request (body may be nil) with an optional bearer token
// and decodes a 2xx answer into out (may be nil). It returns the status and
// the wire.Error of a non-2xx answer.
func (e *Env) Do(t testing.TB, method, path, token string, body, out any) (int, wire.Error) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("servertest: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.URL+path, rd)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("servertest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var werr wire.Error
	if resp.StatusCode >= 300 {
		json.Unmarshal(raw, &werr)
		return resp.StatusCode, werr
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("servertest: %s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, werr
}

// Login signs in and returns the bearer token; it fails the test otherwise.
func (e *Env) Login(t testing.TB, email, password string) string {
	t.Helper()
	var lr wire.LoginResponse
	if st, werr := e.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: email, Password: password}, &lr); st != http.StatusOK {
		t.Fatalf("servertest: login %s: %d %+v", email, st, werr)
	}
	return lr.Token
}

// HelperToken signs in the seeded helper.
func (e *Env) HelperToken(t testing.TB) string { return e.Login(t, e.HelperEmail, e.HelperPassword) }

// AdminToken signs in the seeded administrator.
func (e *Env) AdminToken(t testing.TB) string { return e.Login(t, e.AdminEmail, e.AdminPassword) }

// CreateSession creates a code with a helper's sign-in token.
func (e *Env) CreateSession(t testing.TB, helperToken string) wire.CreateSessionResponse {
	t.Helper()
	var cr wire.CreateSessionResponse
	if st, werr := e.Do(t, http.MethodPost, wire.PathSessions, helperToken, nil, &cr); st != http.StatusCreated {
		t.Fatalf("servertest: create session: %d %+v", st, werr)
	}
	return cr
}

// Join joins with a code as the sharer.
func (e *Env) Join(t testing.TB, code string) wire.JoinResponse {
	t.Helper()
	var jr wire.JoinResponse
	if st, werr := e.Do(t, http.MethodPost, wire.PathJoin, "", wire.JoinRequest{Code: code}, &jr); st != http.StatusOK {
		t.Fatalf("servertest: join: %d %+v", st, werr)
	}
	return jr
}

// SessionWS returns the WebSocket URL of a session.
func (e *Env) SessionWS(sessionID string) string {
	return e.WSURL + strings.Replace(wire.PathSessionWS, "{id}", sessionID, 1)
}

// SessionPath fills {id} in a wire path.
func SessionPath(p, sessionID string) string { return strings.Replace(p, "{id}", sessionID, 1) }

// Clock is a settable clock: real time plus an offset.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// SyncBuffer is a buffer safe for concurrent writers (syncbuf.Buffer).
type SyncBuffer = syncbuf.Buffer
