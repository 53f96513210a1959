package shareable

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestProgramsBuildForMacOS: the three programs build for macOS without cgo
// and without the desktop tag (the daemon refuses to share there with
// mac-unsupported; the helper console runs in web mode). Also in make lint.
func TestProgramsBuildForMacOS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three programs")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// arm64 only, as make lint builds it: the two share the build cache.
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", os.DevNull,
		"./signaling/cmd/quickhelp-server", "./daemon/cmd/quickhelp-sharer", ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("darwin/arm64 build: %v\n%s", err, out)
	}
}
