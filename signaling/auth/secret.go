package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// SecretLen is the size of the server secret.
const SecretLen = 32

// LoadOrCreateSecret reads the server secret from path, creating it with
// SecretLen random bytes and mode 0600 when it does not exist. A secret file
// that is too short or readable by others is refused.
func LoadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("auth: secret: %w", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("%w: %s has mode %v, want 0600", ErrSecretFile, path, fi.Mode().Perm())
		}
		if len(b) < SecretLen {
			return nil, fmt.Errorf("%w: %s is shorter than %d bytes", ErrSecretFile, path, SecretLen)
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("auth: secret: %w", err)
	}
	b = make([]byte, SecretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("auth: secret: %w", err)
	}
	// O_EXCL: if two processes race, one fails instead of both writing.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("auth: secret: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("auth: secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("auth: secret: %w", err)
	}
	return b, nil
}
