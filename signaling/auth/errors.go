package auth

import "errors"

var (
	// ErrBadHash means a stored password hash is malformed.
	ErrBadHash = errors.New("auth: malformed password hash")
	// ErrPasswordTooLong means a password exceeds MaxPasswordLen.
	ErrPasswordTooLong = errors.New("auth: password too long")
	// ErrSecretFile means the secret file is unusable.
	ErrSecretFile = errors.New("auth: bad secret file")
)
