//go:build quickhelp_test

package policy

import "testing"

// In a test build $QUICKHELP_POLICY_FILE replaces the machine policy.
func TestTestBuildUsesEnvironment(t *testing.T) {
	path := writePolicy(t, `{"Disabled": true}`)
	t.Setenv(EnvFile, path)
	p, err := Load(Config{})
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if !p.Disabled || p.Source != path {
		t.Errorf("Load() = %+v, want Disabled from %q", p, path)
	}
	// An explicit Config.File wins over the environment.
	other := writePolicy(t, `{}`)
	if p, err := Load(Config{File: other}); err != nil || p.Disabled {
		t.Errorf("Load(File: %q) = %+v, %v; want enabled", other, p, err)
	}
}
