//go:build quickhelp_test

package sharer

import (
	"os"
	"strings"
	"time"
)

// EnvKeepSharing shortens "Keep sharing?" in test builds:
// "EVERY,GRACE" as Go durations, e.g. "2s,1s".
const EnvKeepSharing = "QUICKHELP_TEST_KEEP_SHARING"

// keepSharingTimes lets tests shorten the question's interval and grace
// through $QUICKHELP_TEST_KEEP_SHARING. Only binaries built with -tags
// quickhelp_test have it; a missing or malformed value means the shipped
// times.
func keepSharingTimes() (every, grace time.Duration) {
	every, grace = DefaultKeepSharingEvery, DefaultKeepSharingGrace
	a, b, ok := strings.Cut(os.Getenv(EnvKeepSharing), ",")
	if !ok {
		return every, grace
	}
	e, err1 := time.ParseDuration(strings.TrimSpace(a))
	g, err2 := time.ParseDuration(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || e <= 0 || g <= 0 {
		return every, grace
	}
	return e, g
}

// SetKeepSharingTimes shortens "Keep sharing?" for one daemon, for tests
// that run beside others in one process (the environment is process-wide).
// Call it before the first join. Only test builds have it.
func (d *Daemon) SetKeepSharingTimes(every, grace time.Duration) {
	d.keepEvery, d.keepGrace = every, grace
}
