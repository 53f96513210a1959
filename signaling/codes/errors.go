package codes

import "errors"

var (
	// ErrInvalid means the input is not a well-formed code.
	ErrInvalid = errors.New("codes: invalid code")
	// ErrShortKey means the hashing secret is too short.
	ErrShortKey = errors.New("codes: secret too short")
	// ErrRandom means the random source failed.
	ErrRandom = errors.New("codes: random source failed")
)
