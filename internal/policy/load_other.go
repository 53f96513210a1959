//go:build !windows

package policy

// loadPlatform reads DefaultFile, which must belong to root (see
// checkOwner).
func loadPlatform() (Policy, error) {
	return loadFile(DefaultFile, ownerRoot)
}
