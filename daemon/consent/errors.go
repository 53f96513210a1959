package consent

import "errors"

// Sentinel errors returned (wrapped) by the transition methods of Gate.
var (
	// ErrInvalidTransition means the request does not apply in the current
	// state, for example allowing control that nobody requested.
	ErrInvalidTransition = errors.New("consent: invalid transition")
	// ErrEnded means the session has ended; no transition applies any more.
	ErrEnded = errors.New("consent: session ended")
)
