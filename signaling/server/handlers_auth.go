package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/ratelimit"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

const msgBadCredentials = "The e-mail address or password is incorrect."

// handleLogin signs a helper in with a sign-in token (passwordSignIn).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	u, ok := s.passwordSignIn(w, r)
	if !ok {
		return
	}
	now := s.now()
	tok, err := auth.NewToken()
	if err != nil {
		s.internalError(w, "login token", err)
		return
	}
	exp := now.Add(s.cfg.TokenTTL)
	if err := s.store.CreateAuthToken(r.Context(), auth.HashToken(tok), u.ID, exp); err != nil {
		s.internalError(w, "login token", err)
		return
	}
	s.log.Info("signed in", "user", u.ID)
	writeJSON(w, http.StatusOK, wire.LoginResponse{Token: tok, ExpiresAt: exp, User: wireUser(u)})
}

// passwordSignIn checks the e-mail and password of a LoginRequest body,
// answering itself when they do not let the person in. Every attempt is
// counted before the argon2id work (reserve, then hash) per address and per (account,
// address), and hashes in flight are bounded per address and in total, so a
// flood from one client costs at most a few hashes at a time and ten a
// minute. A successful sign-in gives its reservations back. A suspended
// account, or an organisation that allows only its identity provider, is
// refused after the password was checked.
func (s *Server) passwordSignIn(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	key, now := s.clientKey(r), s.now()
	if ok, retry := s.loginLimiter.Allow(key, now); !ok {
		s.loginThrottled(w, retry)
		return store.User{}, false
	}
	var req wire.LoginRequest
	if decodeJSON(w, r, &req) != nil {
		return store.User{}, false
	}
	release, err := s.loginHashes.Acquire(r.Context(), key)
	if errors.Is(err, ratelimit.ErrKeyBusy) {
		s.loginThrottled(w, time.Second)
		return store.User{}, false
	}
	if err != nil {
		s.metrics.RateLimited.Add(1)
		writeRetry(w, http.StatusServiceUnavailable, wire.ReasonUnavailable, "The service is busy. Please try again in a moment.", time.Second)
		return store.User{}, false
	}
	defer release()
	email := strings.TrimSpace(req.Email)
	acct := accountKey(email, key)
	if ok, retry := s.loginLimiter.Reserve(key, now); !ok {
		s.loginThrottled(w, retry)
		return store.User{}, false
	}
	if ok, retry := s.accountLimiter.Reserve(acct, now); !ok {
		s.loginLimiter.Refund(key, now)
		s.loginThrottled(w, retry)
		return store.User{}, false
	}
	u, ok, err := s.checkPassword(r.Context(), email, req.Password)
	if err != nil {
		s.internalError(w, "login lookup", err)
		return store.User{}, false
	}
	if !ok {
		s.metrics.LoginsFailed.Add(1)
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, msgBadCredentials)
		return store.User{}, false
	}
	s.loginLimiter.Refund(key, now)
	s.accountLimiter.Refund(acct, now)
	if u.Disabled {
		writeError(w, http.StatusForbidden, wire.ReasonHelperSuspended, "This account is suspended. Ask your organisation's administrator.")
		return store.User{}, false
	}
	if local, err := s.store.LocalSignIn(r.Context(), u.OrgID); err != nil || !local {
		if err != nil {
			s.internalError(w, "login policy", err)
			return store.User{}, false
		}
		writeError(w, http.StatusForbidden, wire.ReasonSSORequired, wire.ReasonSSORequired.Text())
		return store.User{}, false
	}
	return u, true
}

func (s *Server) loginThrottled(w http.ResponseWriter, retry time.Duration) {
	s.metrics.RateLimited.Add(1)
	writeRetry(w, http.StatusTooManyRequests, wire.ReasonRateLimited, "Too many failed sign-ins. Please wait and try again.", retry)
}

// checkPassword looks the account up and verifies the password: one
// argon2id hash either way, so timing does not reveal which e-mail
// addresses exist.
func (s *Server) checkPassword(ctx context.Context, email, password string) (store.User, bool, error) {
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		auth.VerifyDummy(password)
		return store.User{}, false, nil
	}
	if err != nil {
		return store.User{}, false, err
	}
	if u.PasswordHash == "" { // created at a provider sign-in: no password to match
		auth.VerifyDummy(password)
		return u, false, nil
	}
	ok, err := auth.VerifyPassword(u.PasswordHash, password)
	if err != nil {
		s.log.Error("stored password hash unusable", "user", u.ID, "err", err)
	}
	return u, ok, nil
}

// accountKey is the (account, address) key of the sign-in back-off: the
// e-mail is hashed so neither it nor its length is kept in memory, and the
// address is part of the key so a stranger failing from elsewhere cannot
// lock the helper out.
func accountKey(email, clientKey string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return hex.EncodeToString(sum[:16]) + "|" + clientKey
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	tok := bearer(r)
	if tok == "" {
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "Sign in first.")
		return
	}
	if err := s.store.DeleteAuthToken(r.Context(), auth.HashToken(tok)); err != nil {
		s.internalError(w, "logout", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func wireUser(u store.User) wire.User {
	return wire.User{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		Role: u.Role, Organization: u.OrgName, Disabled: u.Disabled}
}

// authenticate returns the signed-in user of the request's bearer token,
// answering 401/403 itself when there is none or it may not act.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	tok := bearer(r)
	if tok == "" {
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "Sign in first.")
		return store.User{}, false
	}
	u, err := s.store.UserByAuthToken(r.Context(), auth.HashToken(tok), s.now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "Your sign-in has expired. Please sign in again.")
		return store.User{}, false
	}
	if err != nil {
		s.internalError(w, "authenticate", err)
		return store.User{}, false
	}
	if u.Disabled {
		writeError(w, http.StatusForbidden, wire.ReasonHelperSuspended, "This account is suspended. Ask your organisation's administrator.")
		return store.User{}, false
	}
	if !s.recheckOIDC(w, r, auth.HashToken(tok)) {
		return store.User{}, false
	}
	return u, true
}

// authenticateAdmin is authenticate for administrators only. It takes a
// bearer token (the REST API, the CLI) or, without one, the admin console's
// cookie session (with its CSRF and Origin checks on unsafe methods).
func (s *Server) authenticateAdmin(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	var u store.User
	var ok bool
	if bearer(r) == "" {
		if u, _, ok = s.cookieAdmin(w, r); ok && u.Disabled {
			writeError(w, http.StatusForbidden, wire.ReasonHelperSuspended, "This account is suspended. Ask your organisation's administrator.")
			return u, false
		}
	} else {
		u, ok = s.authenticate(w, r)
	}
	if !ok {
		return u, false
	}
	if u.Role != wire.RoleAdmin {
		writeError(w, http.StatusForbidden, wire.ReasonForbidden, "Only administrators may do this.")
		return u, false
	}
	return u, true
}
