package localapi

import (
	"os"
	"path/filepath"
)

// DefaultPath is the per-user endpoint: $XDG_RUNTIME_DIR/quickhelp/sharer.sock,
// else the user cache dir; on Windows a named pipe carrying the user's SID.
// QUICKHELP_SHARER_SOCKET overrides it.
func DefaultPath() string {
	if p := os.Getenv("QUICKHELP_SHARER_SOCKET"); p != "" {
		return p
	}
	return defaultPath()
}

func runtimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "quickhelp")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "quickhelp")
	}
	return filepath.Join(os.TempDir(), "quickhelp-"+userTag())
}
