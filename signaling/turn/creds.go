package turn

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the TURN REST credential scheme is defined over HMAC-SHA1
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits of the ephemeral username "expiry-unix:sessionID".
const (
	maxUsernameLen  = 160
	maxSessionIDLen = 128
	maxExpiryDigits = 12 // unix seconds far beyond any sane expiry
)

// Username builds the TURN REST username for a session: the credential is
// valid until expiry and names the session it was issued for, so allocations
// can be counted per session.
func Username(expiry time.Time, sessionID string) string {
	return strconv.FormatInt(expiry.Unix(), 10) + ":" + sessionID
}

// Password is base64(HMAC-SHA1(secret, username)), the common TURN REST
// API scheme that browsers' and pion's ICE agents expect from coturn-style
// servers.
func Password(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username)) // hash.Hash writes never fail
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ParseUsername splits an untrusted TURN username into its expiry and
// session ID. It does not check the expiry against a clock.
func ParseUsername(u string) (expiry time.Time, sessionID string, err error) {
	if len(u) > maxUsernameLen {
		return time.Time{}, "", fmt.Errorf("%w: too long", ErrBadUsername)
	}
	ts, id, ok := strings.Cut(u, ":")
	if !ok {
		return time.Time{}, "", fmt.Errorf("%w: missing separator", ErrBadUsername)
	}
	if ts == "" || len(ts) > maxExpiryDigits {
		return time.Time{}, "", fmt.Errorf("%w: bad expiry", ErrBadUsername)
	}
	for _, c := range ts {
		// strconv.ParseInt accepts a sign; the scheme does not.
		if c < '0' || c > '9' {
			return time.Time{}, "", fmt.Errorf("%w: bad expiry", ErrBadUsername)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: bad expiry", ErrBadUsername)
	}
	if id == "" || len(id) > maxSessionIDLen {
		return time.Time{}, "", fmt.Errorf("%w: bad session id", ErrBadUsername)
	}
	for _, c := range id {
		if !validIDRune(c) {
			return time.Time{}, "", fmt.Errorf("%w: bad session id", ErrBadUsername)
		}
	}
	return time.Unix(sec, 0), id, nil
}

// validIDRune keeps session IDs to URL-safe ASCII, which is what the service
// issues, so nothing odd reaches the per-session quota map or logs.
func validIDRune(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}
