// Package codes generates, parses and hashes the short session codes a helper
// reads to a sharer: 8 Crockford base32 characters (40 bits), shown ABCD-EFGH.
package codes

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
)

// Alphabet is Crockford's base32 alphabet: no I, L, O or U, so that a code
// read over the phone cannot be mistaken for another.
const Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Length is the number of characters of a code (5 bits each: 40 bits).
const Length = 8

// maxInputLen bounds what Parse looks at, so that untrusted input cannot make
// it do unbounded work.
const maxInputLen = 64

// Generate returns a new canonical code (8 characters, no dash) read from r,
// or from crypto/rand when r is nil. Every character is uniform over the
// alphabet because 5 random bytes are split into exactly 8 groups of 5 bits.
func Generate(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [5]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("%w: %w", ErrRandom, err)
	}
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	out := make([]byte, Length)
	for i := Length - 1; i >= 0; i-- {
		out[i] = Alphabet[v&31]
		v >>= 5
	}
	return string(out), nil
}

// Format returns the displayed form of a canonical code: ABCD-EFGH.
func Format(code string) string {
	if len(code) != Length {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// Parse turns what a person typed into the canonical code. It ignores case,
// spaces and dashes, reads I and L as 1 and O as 0, and rejects anything
// else, including U and codes of the wrong length.
func Parse(s string) (string, error) {
	if len(s) > maxInputLen {
		return "", fmt.Errorf("%w: too long", ErrInvalid)
	}
	var b strings.Builder
	b.Grow(Length)
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if r > 0x7f || strings.IndexByte(Alphabet, byte(r)) < 0 {
			return "", fmt.Errorf("%w: character outside the alphabet", ErrInvalid)
		}
		if b.Len() == Length {
			return "", fmt.Errorf("%w: too long", ErrInvalid)
		}
		b.WriteByte(byte(r))
	}
	if b.Len() != Length {
		return "", fmt.Errorf("%w: %d characters, want %d", ErrInvalid, b.Len(), Length)
	}
	return b.String(), nil
}

// Hasher computes the keyed hash under which a code is stored: without the
// server secret a leaked database does not let anyone test the 2^40 codes.
type Hasher struct {
	key []byte
}

// MinKeyLen is the shortest accepted secret.
const MinKeyLen = 32

// NewHasher returns a Hasher keyed with secret (at least MinKeyLen bytes).
func NewHasher(secret []byte) (*Hasher, error) {
	if len(secret) < MinKeyLen {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d", ErrShortKey, len(secret), MinKeyLen)
	}
	return &Hasher{key: append([]byte(nil), secret...)}, nil
}

// Hash returns HMAC-SHA256(secret, canonical code).
func (h *Hasher) Hash(code string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("quickhelp-code-v1:"))
	m.Write([]byte(code))
	return m.Sum(nil)
}
