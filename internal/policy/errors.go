package policy

import "errors"

// Sentinel errors. Every error returned by a Check method is an *Error
// whose Unwrap gives one of these, so callers can branch with errors.Is
// while showing Error() to people as is.
var (
	// ErrDisabled: the organisation turned QuickHelp off on this machine.
	ErrDisabled = errors.New("policy: quickhelp disabled")
	// ErrMalformed: the policy could not be read; QuickHelp fails closed.
	ErrMalformed = errors.New("policy: malformed machine policy")
	// ErrServerNotAllowed: the service is not in AllowedServers.
	ErrServerNotAllowed = errors.New("policy: server not allowed")
	// ErrHelperNotAllowed: the helper's organisation is not allowed.
	ErrHelperNotAllowed = errors.New("policy: helper organisation not allowed")
)

// Error is a policy refusal: Message is plain language for the person at
// the keyboard, Kind is the sentinel for code.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

// User-facing messages, kept together so they read consistently.
const (
	msgDisabled  = "QuickHelp has been turned off by your organisation."
	msgMalformed = "QuickHelp has been turned off because your organisation's QuickHelp policy on this computer could not be read. Please contact your IT department."
)
