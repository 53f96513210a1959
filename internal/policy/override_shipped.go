//go:build !quickhelp_test

package policy

// testOverride is empty in every shipped binary: the policy's location is
// fixed, whatever the environment says.
func testOverride() string { return "" }
