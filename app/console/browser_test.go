package console

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBrowserFromEnv(t *testing.T) {
	const u = "https://help.example.org/v1/auth/oidc/start?org=Contoso"
	tests := []struct {
		env  string
		want []string
	}{
		{"", nil},
		{"firefox", []string{"firefox", u}},
		{"firefox --new-window:chromium", []string{"firefox", "--new-window", u}},
		{"open-it --url=%s --quiet", []string{"open-it", "--url=" + u, "--quiet"}},
	}
	for _, tt := range tests {
		if got := browserFromEnv(tt.env, u); !slices.Equal(got, tt.want) {
			t.Errorf("browserFromEnv(%q) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

// TestSystemBrowserRunsBrowser: the real launcher starts $BROWSER with the
// URL and refuses anything but a web address.
func TestSystemBrowserRunsBrowser(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the script below is a shell script")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s' \"$1\" > '"+out+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BROWSER", script)
	const u = "http://127.0.0.1:1/v1/auth/oidc/start?org=Contoso&state=x"
	if err := (SystemBrowser{}).Open(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		if string(b) == u {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the browser got %q, want %q", b, u)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, bad := range []string{"file:///etc/passwd", "javascript:alert(1)", "--help"} {
		if err := (SystemBrowser{}).Open(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "not a web address") {
			t.Errorf("Open(%q) = %v, want a refusal", bad, err)
		}
	}
}
