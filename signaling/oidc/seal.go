package oidc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// Sealer encrypts what the service keeps from providers (client secrets,
// refresh tokens, its PKCE verifiers) with AES-256-GCM under a key derived
// from the service secret, so a copy of the database alone reveals none of
// them. The purpose is bound as additional data: a value sealed for one
// use does not open as another.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives the sealing key from the service secret.
func NewSealer(secret []byte) (*Sealer, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("%w: secret shorter than 32 bytes", ErrConfig)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("quickhelp oidc seal v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain for purpose.
func (s *Sealer) Seal(purpose string, plain []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(purpose)), nil
}

// Open decrypts what Seal sealed for the same purpose.
func (s *Sealer) Open(purpose string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrSealed
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(purpose))
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}
