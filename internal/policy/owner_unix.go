//go:build !windows

package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ownerRule says whose policy files are trusted.
type ownerRule int

const (
	// ownerRoot: the machine's own policy file; only root may own and
	// change it and its directory.
	ownerRoot ownerRule = iota
	// ownerRootOrSelf: a file named by the program itself (tests).
	ownerRootOrSelf
)

func (r ownerRule) trusts(uid uint32) bool {
	return uid == 0 || (r == ownerRootOrSelf && int(uid) == os.Getuid())
}

// openNoFollow opens path for reading without following a final symbolic
// link: a link could point at a file whose directory the user controls.
func openNoFollow(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link", path)
	}
	return f, err
}

// checkOwner refuses a policy file that a user could have written or could
// replace: it must be a regular file, owned by a trusted owner, not
// writable by group or others, in a directory with the same properties.
func checkOwner(f *os.File, path string, rule ownerRule) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if err := trusted(fi, path, rule); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return err
	}
	return trusted(di, dir, rule)
}

func trusted(fi fs.FileInfo, path string, rule ownerRule) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: no owner information", path)
	}
	if !rule.trusts(st.Uid) {
		return fmt.Errorf("%s is owned by uid %d, not root", path, st.Uid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by group or others (mode %v)", path, fi.Mode().Perm())
	}
	return nil
}
