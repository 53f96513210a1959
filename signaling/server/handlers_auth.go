package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

const msgBadCredentials = "The e-mail address or password is incorrect."

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	key, now := s.clientKey(r), s.now()
	if ok, retry := s.loginLimiter.Allow(key, now); !ok {
		s.metrics.RateLimited.Add(1)
		writeRetry(w, http.StatusTooManyRequests, wire.ErrCodeRateLimited, "Too many failed sign-ins. Please wait and try again.", retry)
		return
	}
	var req wire.LoginRequest
	if decodeJSON(w, r, &req) != nil {
		return
	}
	fail := func() {
		s.loginLimiter.Fail(key, now)
		s.metrics.LoginsFailed.Add(1)
		writeError(w, http.StatusUnauthorized, wire.ErrCodeUnauthorized, msgBadCredentials)
	}
	u, err := s.store.UserByEmail(r.Context(), strings.TrimSpace(req.Email))
	if errors.Is(err, store.ErrNotFound) {
		// Same work as for a real account, so timing does not reveal
		// which e-mail addresses exist.
		auth.VerifyDummy(req.Password)
		fail()
		return
	}
	if err != nil {
		s.internalError(w, "login lookup", err)
		return
	}
	ok, err := auth.VerifyPassword(u.PasswordHash, req.Password)
	if err != nil {
		s.log.Error("stored password hash unusable", "user", u.ID, "err", err)
	}
	if !ok {
		fail()
		return
	}
	if u.Disabled {
		writeError(w, http.StatusForbidden, wire.ErrCodeHelperSuspend, "This account is suspended. Ask your organisation's administrator.")
		return
	}
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

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	tok := bearer(r)
	if tok == "" {
		writeError(w, http.StatusUnauthorized, wire.ErrCodeUnauthorized, "Sign in first.")
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
		writeError(w, http.StatusUnauthorized, wire.ErrCodeUnauthorized, "Sign in first.")
		return store.User{}, false
	}
	u, err := s.store.UserByAuthToken(r.Context(), auth.HashToken(tok), s.now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusUnauthorized, wire.ErrCodeUnauthorized, "Your sign-in has expired. Please sign in again.")
		return store.User{}, false
	}
	if err != nil {
		s.internalError(w, "authenticate", err)
		return store.User{}, false
	}
	if u.Disabled {
		writeError(w, http.StatusForbidden, wire.ErrCodeHelperSuspend, "This account is suspended. Ask your organisation's administrator.")
		return store.User{}, false
	}
	return u, true
}

// authenticateAdmin is authenticate for administrators only.
func (s *Server) authenticateAdmin(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	u, ok := s.authenticate(w, r)
	if !ok {
		return u, false
	}
	if u.Role != wire.RoleAdmin {
		writeError(w, http.StatusForbidden, wire.ErrCodeForbidden, "Only administrators may do this.")
		return u, false
	}
	return u, true
}
