// Package version holds the release version stamped into every binary at
// link time (see the Makefile's LDFLAGS).
package version

// Version is set with -ldflags "-X .../internal/version.Version=...".
var Version = "0.0.0-dev"
