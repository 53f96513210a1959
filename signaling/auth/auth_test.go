package auth

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("HashPassword() = %q, want argon2id encoding", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Errorf("hash contains the password")
	}
	h2, _ := HashPassword("correct horse")
	if h == h2 {
		t.Errorf("two hashes of one password are equal: salt is not random")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse", true},
		{"correct horsE", false},
		{"", false},
		{strings.Repeat("x", MaxPasswordLen+1), false},
	}
	for _, tt := range tests {
		got, err := VerifyPassword(h, tt.pw)
		if err != nil || got != tt.want {
			t.Errorf("VerifyPassword(h, %.20q) = %v, %v, want %v", tt.pw, got, err, tt.want)
		}
	}
}

func TestVerifyPasswordBadHash(t *testing.T) {
	for _, enc := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$a$b", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA", "plain"} {
		if ok, err := VerifyPassword(enc, "x"); ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v, want false, ErrBadHash", enc, ok, err)
		}
	}
}

func TestDummyHashIsValid(t *testing.T) {
	// The dummy must decode, or unknown accounts would answer faster.
	ok, err := VerifyPassword(dummyHash, "anything")
	if err != nil || ok {
		t.Fatalf("VerifyPassword(dummyHash) = %v, %v, want false, nil", ok, err)
	}
}

func TestTokens(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b || len(a) < 40 {
		t.Errorf("NewToken() = %q, %q: want distinct 256-bit tokens", a, b)
	}
	if HashToken(a) == a || HashToken(a) != HashToken(a) || HashToken(a) == HashToken(b) {
		t.Errorf("HashToken is not a deterministic hash")
	}
	id, _ := NewID()
	if len(id) != 32 {
		t.Errorf("NewID() = %q, want 32 hex characters", id)
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "secret")
	s1, err := LoadOrCreateSecret(p)
	if err != nil || len(s1) != SecretLen {
		t.Fatalf("LoadOrCreateSecret() = %d bytes, %v", len(s1), err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret mode = %v, want 0600", fi.Mode().Perm())
	}
	s2, err := LoadOrCreateSecret(p)
	if err != nil || !bytes.Equal(s1, s2) {
		t.Errorf("second LoadOrCreateSecret() changed the secret: %v", err)
	}
	os.Chmod(p, 0o644)
	if _, err := LoadOrCreateSecret(p); !errors.Is(err, ErrSecretFile) {
		t.Errorf("world-readable secret: error = %v, want ErrSecretFile", err)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("x"), 0o600)
	if _, err := LoadOrCreateSecret(short); !errors.Is(err, ErrSecretFile) {
		t.Errorf("short secret: error = %v, want ErrSecretFile", err)
	}
}
