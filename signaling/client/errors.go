package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Sentinel errors. An *APIError matches the sentinel of its code with
// errors.Is; network failures wrap ErrUnreachable.
var (
	ErrBadRequest      = errors.New("client: bad request")
	ErrUnauthorized    = errors.New("client: unauthorized")
	ErrForbidden       = errors.New("client: forbidden")
	ErrOrgDisabled     = errors.New("client: organisation disabled")
	ErrHelperSuspended = errors.New("client: helper suspended")
	ErrNotFound        = errors.New("client: not found") // also a wrong, used or expired code
	ErrRateLimited     = errors.New("client: rate limited")
	ErrSessionFull     = errors.New("client: session full")
	ErrUnavailable     = errors.New("client: service unavailable")
	ErrInternal        = errors.New("client: service error")
	ErrSSORequired     = errors.New("client: sign in with the organisation's provider")
	ErrUnreachable     = errors.New("client: service unreachable")
	ErrInvalidURL      = errors.New("client: invalid base URL")
	ErrBadResponse     = errors.New("client: malformed response")
	// ErrInsecureURL refuses plain http:// to another computer; it also
	// matches ErrInvalidURL.
	ErrInsecureURL = fmt.Errorf("%w: plain http:// is allowed only to this computer", ErrInvalidURL)

	// ErrClosed is returned by Session.Send after the session closed.
	ErrClosed = errors.New("client: session closed")
	// ErrSessionEnded is the closed-event cause when the service ended the session.
	ErrSessionEnded = errors.New("client: session ended")
	// ErrResumeTimeout is the closed-event cause when reconnecting did not
	// succeed within the resume window.
	ErrResumeTimeout = errors.New("client: could not reconnect in time")
)

// APIError is a non-2xx answer of the service.
type APIError struct {
	Status int         // HTTP status
	Code   wire.Reason // stable; UIs translate it
	// Message is plain language, fit to show to a person.
	Message string
	// RetryAfter is how long the service asked the caller to wait (429/503).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("client: service answered %d %s", e.Status, e.Code)
}

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *APIError) Is(target error) bool {
	return sentinelFor(e.Code) == target
}

var sentinels = map[wire.Reason]error{
	wire.ReasonBadRequest:      ErrBadRequest,
	wire.ReasonUnauthorized:    ErrUnauthorized,
	wire.ReasonForbidden:       ErrForbidden,
	wire.ReasonOrgDisabled:     ErrOrgDisabled,
	wire.ReasonHelperSuspended: ErrHelperSuspended,
	wire.ReasonNotFound:        ErrNotFound,
	wire.ReasonRateLimited:     ErrRateLimited,
	wire.ReasonSessionFull:     ErrSessionFull,
	wire.ReasonUnavailable:     ErrUnavailable,
	wire.ReasonInternal:        ErrInternal,
	wire.ReasonSSORequired:     ErrSSORequired,
}

func sentinelFor(code wire.Reason) error { return sentinels[code] }

// codeForStatus guesses a code when the body is not a wire.Error.
func codeForStatus(status int) wire.Reason {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return wire.ReasonBadRequest
	case http.StatusUnauthorized:
		return wire.ReasonUnauthorized
	case http.StatusForbidden:
		return wire.ReasonForbidden
	case http.StatusNotFound, http.StatusGone:
		return wire.ReasonNotFound
	case http.StatusConflict:
		return wire.ReasonSessionFull
	case http.StatusTooManyRequests:
		return wire.ReasonRateLimited
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return wire.ReasonUnavailable
	default:
		return wire.ReasonInternal
	}
}

// maxRetryAfter caps the wait a service may ask for: a larger Retry-After
// (10000000000 seconds overflowed into a negative wait) means this long.
const maxRetryAfter = time.Hour

// parseRetryAfter reads delta-seconds or an HTTP date; bad values mean 0,
// and no wait is longer than maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		if n > int(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// MsgInsecureURL is what people are told when a service address uses
// plain http:// to another computer.
const MsgInsecureURL = "The service address must start with https://. Plain http:// is only allowed for a QuickHelp service on this computer."

// UserMessage returns a plain-language sentence for any error from this
// package, for showing in the UI; internal causes stay in err.
func UserMessage(err error) string {
	var api *APIError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &api):
		return api.Message
	case errors.Is(err, context.DeadlineExceeded):
		return "The QuickHelp service did not answer in time. Please try again."
	case errors.Is(err, ErrUnreachable):
		return "Cannot reach the QuickHelp service. Check your internet connection and try again."
	case errors.Is(err, ErrInsecureURL):
		return MsgInsecureURL
	case errors.Is(err, ErrResumeTimeout):
		return "The connection was lost and could not be restored."
	case errors.Is(err, ErrSessionEnded):
		return "The session has ended."
	case errors.Is(err, ErrClosed):
		return "The session is closed."
	default:
		return "Something went wrong. Please try again."
	}
}
