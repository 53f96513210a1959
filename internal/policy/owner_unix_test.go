//go:build !windows

package policy

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The machine policy file is honoured only when root owns it and nobody
// else can change it or its directory; otherwise it fails closed.
func TestMachineFileOwnership(t *testing.T) {
	const body = `{"AllowedServers": ["https://help.contoso.com"]}`
	// A directory and file as root would leave them: 0755 / 0644.
	setup := func(t *testing.T, dirMode, fileMode os.FileMode) (dir, file string) {
		dir = filepath.Join(t.TempDir(), "quickhelp")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		file = filepath.Join(dir, "policy.json")
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(file, fileMode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, dirMode); err != nil {
			t.Fatal(err)
		}
		return dir, file
	}
	rootOK := os.Getuid() == 0
	tests := []struct {
		name              string
		dirMode, fileMode os.FileMode
		prepare           func(t *testing.T, dir, file string) string // returns the path to load
		wantOK            bool                                        // honoured (only possible as root)
	}{
		{"root 0755/0644", 0o755, 0o644, nil, rootOK},
		{"file writable by others", 0o755, 0o646, nil, false},
		{"file writable by group", 0o755, 0o664, nil, false},
		{"directory writable by others", 0o757, 0o644, nil, false},
		{"directory writable by group", 0o775, 0o644, nil, false},
		{"symbolic link", 0o755, 0o644, func(t *testing.T, dir, file string) string {
			link := filepath.Join(dir, "link.json")
			if err := os.Symlink(file, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, false},
		{"owned by another user", 0o755, 0o644, func(t *testing.T, dir, file string) string {
			if os.Getuid() != 0 {
				return file // already owned by a user who is not root
			}
			if err := os.Chown(file, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			return file
		}, false},
		{"fifo", 0o755, 0o644, func(t *testing.T, dir, file string) string {
			fifo := filepath.Join(dir, "fifo.json")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Skip("no mkfifo:", err)
			}
			return fifo
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, file := setup(t, tt.dirMode, tt.fileMode)
			path := file
			if tt.prepare != nil {
				path = tt.prepare(t, dir, file)
			}
			p, err := loadFile(path, ownerRoot)
			if tt.wantOK {
				if err != nil || p.Disabled || len(p.AllowedServers) != 1 {
					t.Fatalf("loadFile(%s) = %+v, %v; want the policy honoured", tt.name, p, err)
				}
				return
			}
			if !errors.Is(err, ErrMalformed) || !p.Disabled {
				t.Fatalf("loadFile(%s) = %+v, %v; want disabled with ErrMalformed", tt.name, p, err)
			}
			if p.Check() == nil {
				t.Errorf("Check() on an untrusted file = nil, want a refusal")
			}
		})
	}
}
