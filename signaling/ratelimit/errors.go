package ratelimit

import "errors"

var (
	// ErrConfig means a configuration is invalid.
	ErrConfig = errors.New("ratelimit: invalid config")
	// ErrKeyBusy means the key already has as many attempts in flight as
	// it may.
	ErrKeyBusy = errors.New("ratelimit: too many attempts in flight for this key")
	// ErrBusy means every slot is taken and the queue is full or the wait
	// ran out.
	ErrBusy = errors.New("ratelimit: busy")
)
