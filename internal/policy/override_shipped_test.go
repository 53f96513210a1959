//go:build !quickhelp_test

package policy

import (
	"path/filepath"
	"testing"
)

// A shipped build reads the policy only from its fixed place: pointing
// $QUICKHELP_POLICY_FILE at a missing or an allowing file changes nothing.
func TestShippedBuildIgnoresEnvironment(t *testing.T) {
	want, wantErr := loadPlatform()
	for _, path := range []string{filepath.Join(t.TempDir(), "absent.json"), writePolicy(t, `{"Disabled": true}`)} {
		t.Setenv(EnvFile, path)
		got, err := Load(Config{})
		if got.Source != want.Source || got.Disabled != want.Disabled || (err == nil) != (wantErr == nil) {
			t.Errorf("with %s=%s Load() = %+v, %v; want the machine policy %+v, %v", EnvFile, path, got, err, want, wantErr)
		}
		if got.Source == path {
			t.Errorf("Load() read %s from the environment", path)
		}
	}
}
