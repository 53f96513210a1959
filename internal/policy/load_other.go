//go:build !windows

package policy

// loadPlatform reads DefaultFile.
func loadPlatform() (Policy, error) {
	return loadFile(DefaultFile)
}
