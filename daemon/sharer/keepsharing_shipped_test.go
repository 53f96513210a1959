//go:build !quickhelp_test

package sharer

import "testing"

// A shipped build asks "Keep sharing?" every 30 minutes and waits 5,
// whatever the environment says.
func TestShippedKeepSharingIgnoresEnvironment(t *testing.T) {
	t.Setenv("QUICKHELP_TEST_KEEP_SHARING", "1s,1s")
	every, grace := keepSharingTimes()
	if every != DefaultKeepSharingEvery || grace != DefaultKeepSharingGrace {
		t.Errorf("keepSharingTimes() = %v, %v; want %v, %v", every, grace, DefaultKeepSharingEvery, DefaultKeepSharingGrace)
	}
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.keepEvery.Minutes() != 30 || d.keepGrace.Minutes() != 5 {
		t.Errorf("daemon keep sharing = %v, %v; want 30m, 5m", d.keepEvery, d.keepGrace)
	}
}
