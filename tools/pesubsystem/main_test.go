package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildWindows cross-builds a tiny Windows program with extra ldflags.
func buildWindows(t *testing.T, dir, name, ldflags string) string {
	t.Helper()
	src := filepath.Join(dir, "hello")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module hello\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-ldflags", ldflags, "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, b)
	}
	return out
}

func TestSubsystem(t *testing.T) {
	dir := t.TempDir()
	gui := buildWindows(t, dir, "gui.exe", "-s -w -H=windowsgui")
	console := buildWindows(t, dir, "console.exe", "-s -w")

	tests := []struct {
		file, want string
	}{
		{gui, "gui"},
		{console, "console"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			got, err := subsystem(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("subsystem(%q) = %q, want %q", filepath.Base(tt.file), got, tt.want)
			}
		})
	}

	var out bytes.Buffer
	if err := run([]string{"-want", "gui", gui}, &out); err != nil {
		t.Errorf("-want gui on a GUI program: %v", err)
	}
	if err := run([]string{"-want", "gui", gui, console}, &out); err == nil || !strings.Contains(err.Error(), "console.exe") {
		t.Errorf("-want gui with a console program: err = %v, want it named", err)
	}
	if err := run([]string{filepath.Join(dir, "hello", "main.go")}, &out); err == nil {
		t.Error("a file that is no PE program: no error")
	}
}
