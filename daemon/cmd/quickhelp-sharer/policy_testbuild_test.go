//go:build quickhelp_test

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A disabled or broken machine policy stops the sharer before it joins
// (the policy file comes from $QUICKHELP_POLICY_FILE, read only by test
// builds).
func TestPolicyDisabledRefusesToRun(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body, want string
	}{
		{"disabled", `{"Disabled": true}`, "turned off by your organisation"},
		{"malformed", `{"Disabled": tru`, "could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, tt.name+".json")
			if err := os.WriteFile(file, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("QUICKHELP_POLICY_FILE", file)
			sockDir, _ := os.MkdirTemp("", "qh")
			defer os.RemoveAll(sockDir)
			var out, errOut bytes.Buffer
			code := run([]string{"--socket", filepath.Join(sockDir, "s.sock"), "join", "ABCD-EFGH"}, strings.NewReader(""), &out, &errOut)
			if code != 1 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("join with a %s policy = %d, %q; want 1 and %q", tt.name, code, errOut.String(), tt.want)
			}
		})
	}
}
