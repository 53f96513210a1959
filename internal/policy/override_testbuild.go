//go:build quickhelp_test

package policy

import "os"

// testOverride lets tests point the machine policy at a file of their own
// through $QUICKHELP_POLICY_FILE (also in place of the registry on
// Windows). Only binaries built with -tags quickhelp_test have it.
func testOverride() string { return os.Getenv(EnvFile) }
