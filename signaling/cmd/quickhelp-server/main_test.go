package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"

	"github.com/quickhelp/quickhelp/internal/version"
)

func testEnv(vars map[string]string, stdin string) (env, *bytes.Buffer) {
	out := &bytes.Buffer{}
	return env{
		getenv: func(k string) string { return vars[k] },
		stdin:  strings.NewReader(stdin),
		stdout: out,
		stderr: io.Discard,
	}, out
}

// startServe seeds dir with the demo organisation, then runs the server
// with args in the background until ctx ends, and waits until it listens.
// It returns the address and the channel run's result arrives on.
func startServe(t *testing.T, ctx context.Context, dir string, args ...string) (addr string, done <-chan error) {
	t.Helper()
	e, _ := testEnv(nil, "")
	if err := run(ctx, []string{"demo", "--data", dir}, e); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	e.ready = func(a string) { addrc <- a }
	result := make(chan error, 1)
	go func() { result <- run(ctx, args, e) }()
	select {
	case addr = <-addrc:
	case err := <-result:
		t.Fatalf("serve returned early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return addr, result
}

// demoPassword is the password the demo command wrote to dir.
func demoPassword(t *testing.T, dir string) string {
	t.Helper()
	pw, err := os.ReadFile(filepath.Join(dir, "demo-password.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(pw))
}

// parseServeTest is one case of parseServe: wantErr is part of the error
// expected, else check (where set) must accept the configuration.
type parseServeTest struct {
	name    string
	args    []string
	vars    map[string]string
	wantErr string
	check   func(serveConfig) bool
}

func checkParseServe(t *testing.T, tests []parseServeTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := testEnv(tt.vars, "")
			c, err := parseServe(tt.args, e)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseServe(%q) error = %v, want %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseServe(%q) error = %v", tt.args, err)
			}
			if tt.check != nil && !tt.check(c) {
				t.Errorf("parseServe(%q) = %+v", tt.args, c)
			}
		})
	}
}

func TestParseServe(t *testing.T) {
	tests := []parseServeTest{
		{"defaults", nil, nil, "", func(c serveConfig) bool {
			return c.listen == "127.0.0.1:7443" && c.turnListen == "127.0.0.1:3478" && c.dev == "auto" && c.retention == 72*time.Hour &&
				c.auditRetention == 365*24*time.Hour
		}},
		{"audit retention env", nil, map[string]string{"QUICKHELP_AUDIT_RETENTION": "2160h"}, "", func(c serveConfig) bool {
			return c.auditRetention == 90*24*time.Hour
		}},
		{"audit retention beyond 72h", []string{"--audit-retention", "17520h"}, nil, "", func(c serveConfig) bool {
			return c.auditRetention == 2*365*24*time.Hour
		}},
		{"bad audit retention", []string{"--audit-retention", "0s"}, nil, "--audit-retention", nil},
		{"env listen", nil, map[string]string{"QUICKHELP_LISTEN": "[::1]:9000", "QUICKHELP_DATA": "/d"}, "", func(c serveConfig) bool {
			return c.listen == "[::1]:9000" && c.data == "/d"
		}},
		{"flag beats env", []string{"--listen", "localhost:1"}, map[string]string{"QUICKHELP_LISTEN": "127.0.0.1:2"}, "", func(c serveConfig) bool {
			return c.listen == "localhost:1"
		}},
		{"public without TLS", []string{"--listen", "0.0.0.0:7443"}, nil, "refusing to serve plain HTTP", nil},
		{"empty host without TLS", []string{"--listen", ":7443"}, nil, "refusing", nil},
		{"public with insecure-http", []string{"--listen", "0.0.0.0:7443", "--insecure-http"}, nil, "", nil},
		{"public with insecure-http env", []string{"--listen", "0.0.0.0:7443"}, map[string]string{"QUICKHELP_INSECURE_HTTP": "1"}, "", nil},
		{"public with TLS", []string{"--listen", "0.0.0.0:7443", "--tls-cert", "c", "--tls-key", "k", "--turn-listen", "0.0.0.0:3478"}, nil, "", nil},
		{"public TLS, loopback relay", []string{"--listen", ":443", "--tls-cert", "c", "--tls-key", "k"}, nil, "needs a public relay", nil},
		{"public TLS, relay only on 443", []string{"--listen", ":443", "--tls-cert", "c", "--tls-key", "k", "--turn-listen", "off"}, nil, "", nil},
		{"public TLS without TURN over TLS", []string{"--listen", ":443", "--tls-cert", "c", "--tls-key", "k", "--turn-tls=false"}, nil, "", nil},
		{"cert without key", []string{"--tls-cert", "c"}, nil, "go together", nil},
		{"bad dev", []string{"--dev", "maybe"}, nil, "--dev", nil},
		{"ice policy env", nil, map[string]string{"QUICKHELP_ICE_POLICY": "relay"}, "", func(c serveConfig) bool {
			return c.icePolicy == "relay" && c.turnTLS
		}},
		{"bad ice policy", []string{"--ice-policy", "direct"}, nil, "--ice-policy", nil},
		{"relay without TURN", []string{"--ice-policy", "relay", "--turn-listen", "off"}, nil, "needs the TURN relay", nil},
		{"turn tls off", []string{"--turn-tls=false", "--public-host", "help.example.com"}, nil, "", func(c serveConfig) bool {
			return !c.turnTLS && c.publicHost == "help.example.com"
		}},
	}
	checkParseServe(t, tests)
}

func TestDemoIdempotent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e, out := testEnv(nil, "")
	if err := run(ctx, []string{"demo", "--data", dir}, e); err != nil {
		t.Fatal(err)
	}
	first := out.String()
	pw, err := os.ReadFile(filepath.Join(dir, "demo-password.txt"))
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "demo-password.txt"))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("demo-password.txt mode = %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(first, strings.TrimSpace(string(pw))) || !strings.Contains(first, "alex@example.com") {
		t.Errorf("demo output %q lacks the account or password", first)
	}
	// Second run through the environment variable: same password, no error.
	e2, out2 := testEnv(map[string]string{"QUICKHELP_DATA": dir}, "")
	if err := run(ctx, []string{"demo"}, e2); err != nil {
		t.Fatal(err)
	}
	if out2.String() != first {
		t.Errorf("second demo printed %q, want %q", out2.String(), first)
	}
	e3, out3 := testEnv(nil, "")
	if err := run(ctx, []string{"user", "list", "--data", dir}, e3); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out3.String(), "alex@example.com") != 1 || !strings.Contains(out3.String(), "Contoso") {
		t.Errorf("user list = %q, want one Alex in Contoso", out3.String())
	}
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e, _ := testEnv(nil, "a-long-password\n")
	args := []string{"user", "add", "--data", dir, "--email", "kim@example.org", "--first", "Kim", "--last", "Lee", "--org", "Fabrikam", "--role", "admin", "--password-stdin"}
	if err := run(ctx, args, e); err != nil {
		t.Fatal(err)
	}
	e, _ = testEnv(nil, "a-long-password\n")
	if err := run(ctx, args, e); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate user add: %v", err)
	}
	e, _ = testEnv(nil, "short\n")
	bad := append([]string{}, args...)
	bad[5] = "other@example.org"
	if err := run(ctx, bad, e); err == nil {
		t.Errorf("short password accepted")
	}
	e, out := testEnv(nil, "")
	if err := run(ctx, []string{"user", "disable", "--data", dir, "--email", "kim@example.org"}, e); err != nil || !strings.Contains(out.String(), "suspended") {
		t.Errorf("user disable: %v %q", err, out.String())
	}
	e, out = testEnv(nil, "")
	if err := run(ctx, []string{"org", "set", "--data", dir, "--name", "Fabrikam", "--relay-only"}, e); err != nil || !strings.Contains(out.String(), "relay-only=true") {
		t.Errorf("org set --relay-only: %v %q", err, out.String())
	}
	e, out = testEnv(nil, "")
	if err := run(ctx, []string{"org", "set", "--data", dir, "--name", "Fabrikam", "--relay-only=false"}, e); err != nil || !strings.Contains(out.String(), "relay-only=false") {
		t.Errorf("org set --relay-only=false: %v %q", err, out.String())
	}
	e, _ = testEnv(nil, "")
	if err := run(ctx, []string{"org", "set", "--data", dir, "--name", "Nobody", "--relay-only"}, e); err == nil {
		t.Errorf("org set on a missing organisation succeeded")
	}
	e, _ = testEnv(nil, "")
	if err := run(ctx, []string{"org", "set", "--data", dir, "--name", "Fabrikam"}, e); err == nil {
		t.Errorf("org set with nothing to change succeeded")
	}
	e, out = testEnv(nil, "")
	run(ctx, []string{"user", "list", "--data", dir}, e)
	if !strings.Contains(out.String(), "suspended") || !strings.Contains(out.String(), "Fabrikam") {
		t.Errorf("user list = %q", out.String())
	}
	e, out = testEnv(nil, "")
	if err := run(ctx, []string{"--version"}, e); err != nil || !strings.Contains(out.String(), "quickhelp-server "+version.Version) {
		t.Errorf("--version: %v %q", err, out.String())
	}
}

// TestServeAndShutdown runs the real serve path (SQLite, secret file, TURN
// off to spare ports) on a loopback port, signs in, and stops it.
func TestServeAndShutdown(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := startServe(t, ctx, dir, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--turn-listen", "off")
	pw := demoPassword(t, dir)
	resp, err := http.Get("http://" + addr + wire.PathHealth)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	body, _ := json.Marshal(wire.LoginRequest{Email: "alex@example.com", Password: pw})
	resp, err = http.Post("http://"+addr+wire.PathLogin, "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login with the demo password: %v %v", err, resp)
	}
	resp.Body.Close()
	if fi, err := os.Stat(filepath.Join(dir, "secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file: %v %v", fi, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestServeWithTURN wires the embedded TURN relay: a created session hands
// out TURN credentials.
func TestServeWithTURN(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := startServe(t, ctx, dir, "--data", dir, "--listen", "127.0.0.1:0", "--turn-listen", "127.0.0.1:0")
	pw := demoPassword(t, dir)
	body, _ := json.Marshal(wire.LoginRequest{Email: "alex@example.com", Password: pw})
	resp, err := http.Post("http://"+addr+wire.PathLogin, "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", err, resp)
	}
	var lr wire.LoginResponse
	json.NewDecoder(resp.Body).Decode(&lr)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+wire.PathSessions, nil)
	req.Header.Set("Authorization", "Bearer "+lr.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create session: %v %v", err, resp)
	}
	var cr wire.CreateSessionResponse
	json.NewDecoder(resp.Body).Decode(&cr)
	resp.Body.Close()
	if len(cr.ICEServers) != 3 || cr.ICEServers[1].Username == "" || !strings.HasPrefix(cr.ICEServers[1].URLs[0], "turn:127.0.0.1:") {
		t.Errorf("ICE servers = %+v, want STUN then TURN on loopback with credentials", cr.ICEServers)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
