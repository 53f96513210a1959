package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditCommands: changes made with the commands are in the audit log,
// which "audit list" prints newest first.
func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e, _ := testEnv(nil, "a-long-password\n")
	if err := run(ctx, []string{"user", "add", "--data", dir, "--email", "kim@example.org", "--first", "Kim", "--last", "Lee",
		"--org", "Fabrikam", "--password-stdin"}, e); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "client-secret")
	if err := os.WriteFile(secret, []byte("CANARY-client-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"user", "disable", "--email", "kim@example.org"},
		{"org", "disable", "--name", "Fabrikam"},
		{"org", "set", "--name", "Fabrikam", "--relay-only"},
		{"org", "oidc", "set", "--org", "Fabrikam", "--issuer", "https://login.example.com/fabrikam", "--client-id", "qh",
			"--client-secret-file", secret},
		{"org", "admin", "add", "--org", "Fabrikam", "--email", "lee@example.org"},
	} {
		e, _ := testEnv(nil, "")
		if err := run(ctx, append(args, "--data", dir), e); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	e, out := testEnv(nil, "")
	if err := run(ctx, []string{"audit", "list", "--data", dir, "--org", "Fabrikam"}, e); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"org-admin-add", "org-oidc", "org-relay-only", "org-disable", "user-suspend"}
	if len(lines) != 1+len(want) {
		t.Fatalf("audit list printed %q, want a header and %d entries", out.String(), len(want))
	}
	for i, action := range want {
		if l := lines[i+1]; !strings.Contains(l, action) || !strings.Contains(l, "(command line)") {
			t.Errorf("line %d = %q, want %s by (command line)", i+1, l, action)
		}
	}
	if !strings.Contains(lines[5], "kim@example.org") || !strings.Contains(lines[3], "true") ||
		!strings.Contains(lines[2], "issuer=https://login.example.com/fabrikam") || !strings.Contains(lines[1], "lee@example.org") {
		t.Errorf("targets and details missing: %q", out.String())
	}
	if strings.Contains(out.String(), "CANARY") {
		t.Errorf("the client secret reached the audit log: %q", out.String())
	}
	e, _ = testEnv(nil, "")
	if err := run(ctx, []string{"audit", "list", "--data", dir, "--org", "Nobody"}, e); err == nil {
		t.Error("audit list of a missing organisation succeeded")
	}
}
