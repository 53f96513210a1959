package wire

// Former names of reasons, kept so code written against them still builds
// while it moves to the Reason constants. They are the same values.
//
// Deprecated: use the Reason constants.
const (
	ErrCodeBadRequest    = ReasonBadRequest
	ErrCodeUnauthorized  = ReasonUnauthorized
	ErrCodeForbidden     = ReasonForbidden
	ErrCodeOrgDisabled   = ReasonOrgDisabled
	ErrCodeNotFound      = ReasonNotFound
	ErrCodeRateLimited   = ReasonRateLimited
	ErrCodeSessionFull   = ReasonSessionFull
	ErrCodeInternal      = ReasonInternal
	ErrCodeUnavailable   = ReasonUnavailable
	ErrCodeHelperSuspend = ReasonHelperSuspended
)
