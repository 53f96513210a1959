//go:build !quickhelp_test

package sharer

import "time"

// keepSharingTimes are fixed in every shipped binary: 30 minutes between
// questions, 5 minutes to answer, whatever the environment says.
func keepSharingTimes() (every, grace time.Duration) {
	return DefaultKeepSharingEvery, DefaultKeepSharingGrace
}
