package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// The admin console signs in to a cookie session rather than a bearer
// token: the token lives in an HttpOnly cookie no script can read, and the
// cookie is Secure and SameSite=Strict. The same admin handlers accept
// either; a cookie-authenticated unsafe request must also carry the CSRF
// token (an HMAC of the session token, so nothing more is stored) and an
// Origin of this host.

// adminCookie is the session cookie's name. The __Host- prefix makes the
// browser refuse it unless it is Secure, has Path=/ and no Domain, so no
// other host (a sibling subdomain) can plant or widen it.
const adminCookie = "__Host-quickhelp-admin"

// maxAdminSessions is how many console sessions one admin may hold at once;
// signing in again beyond it ends the oldest.
const maxAdminSessions = 5

// ErrNotAdmin means an admin console session was asked for an account that
// is not an enabled administrator.
var ErrNotAdmin = errors.New("server: not an enabled administrator")

// startAdminSession signs u in to the admin console: it stores a new
// session, sets its cookie on w and records the sign-in in the audit log.
// The caller has authenticated u (password or the organisation's
// provider); u must be an enabled admin, else ErrNotAdmin. The page learns
// the CSRF token from the answer or from GET /v1/admin/session.
func (s *Server) startAdminSession(w http.ResponseWriter, r *http.Request, u store.User) (wire.AdminSession, error) {
	if u.Role != wire.RoleAdmin || u.Disabled {
		return wire.AdminSession{}, ErrNotAdmin
	}
	tok, err := auth.NewToken()
	if err != nil {
		return wire.AdminSession{}, err
	}
	now := s.now()
	a := store.AdminSession{TokenHash: auth.HashToken(tok), UserID: u.ID, CreatedAt: now, ExpiresAt: s.adminExpiry(now, now)}
	if err := s.store.CreateAdminSession(r.Context(), a, maxAdminSessions); err != nil {
		return wire.AdminSession{}, err
	}
	http.SetCookie(w, &http.Cookie{
		Name: adminCookie, Value: tok, Path: "/", MaxAge: int(s.cfg.AdminSessionTTL / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	s.audit(r.Context(), u, wire.AuditSignIn, "", "")
	s.log.Info("admin console signed in", "user", u.ID)
	return wire.AdminSession{User: wireUser(u), CSRFToken: s.csrfToken(tok), ExpiresAt: a.ExpiresAt}, nil
}

// adminExpiry is when a session created at created and used at now
// expires: after AdminIdle without use, and never later than
// AdminSessionTTL after it was created.
func (s *Server) adminExpiry(created, now time.Time) time.Time {
	idle, abs := now.Add(s.cfg.AdminIdle), created.Add(s.cfg.AdminSessionTTL)
	if idle.After(abs) {
		return abs
	}
	return idle
}

// csrfToken is the CSRF token of the session whose cookie holds tok.
func (s *Server) csrfToken(tok string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(tok))
	return hex.EncodeToString(m.Sum(nil))
}

func clearAdminCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: adminCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// unsafeMethod reports whether a request may change something.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// sameOrigin reports whether a browser request comes from a page of this
// host: an Origin header naming r.Host, and no Sec-Fetch-Site other than
// same-origin. A request without Origin is refused (every browser sends it
// on a POST, PUT, PATCH or DELETE from a page).
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	o, err := url.Parse(r.Header.Get("Origin"))
	if err != nil || o.Host == "" || (o.Scheme != "https" && o.Scheme != "http") {
		return false
	}
	return strings.EqualFold(o.Host, r.Host)
}

// cookieAdmin authenticates a request by the admin console's cookie,
// answering itself when it cannot: 401 without a live session, 403 for a
// cross-site or CSRF-less unsafe request. It returns the session's token.
func (s *Server) cookieAdmin(w http.ResponseWriter, r *http.Request) (store.User, string, bool) {
	c, err := r.Cookie(adminCookie)
	if err != nil || c.Value == "" {
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "Sign in first.")
		return store.User{}, "", false
	}
	if unsafeMethod(r.Method) {
		want := s.csrfToken(c.Value)
		if !sameOrigin(r) || !hmac.Equal([]byte(r.Header.Get(wire.CSRFHeader)), []byte(want)) {
			writeError(w, http.StatusForbidden, wire.ReasonForbidden, "This request did not come from the admin console.")
			return store.User{}, "", false
		}
	}
	now := s.now()
	hash := auth.HashToken(c.Value)
	u, a, err := s.store.UserByAdminSession(r.Context(), hash, now)
	if errors.Is(err, store.ErrNotFound) {
		clearAdminCookie(w)
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "Your sign-in has expired. Please sign in again.")
		return store.User{}, "", false
	}
	if err != nil {
		s.internalError(w, "admin session", err)
		return store.User{}, "", false
	}
	// Slide the idle expiry, writing at most once per half idle period.
	if a.ExpiresAt.Sub(now) < s.cfg.AdminIdle/2 {
		if err := s.store.ExtendAdminSession(r.Context(), hash, s.adminExpiry(a.CreatedAt, now)); err != nil {
			s.log.Error("admin session extend", "err", err)
		}
	}
	return u, c.Value, true
}

// handleAdminLogin signs an administrator in to the admin console with a
// password: the same limits as every sign-in, then a cookie session. The
// Origin check stops another site signing a browser in to its own account.
func (s *Server) handleAdminLogin(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		writeError(w, http.StatusForbidden, wire.ReasonForbidden, "This request did not come from the admin console.")
		return
	}
	u, ok := s.passwordSignIn(w, r)
	if !ok {
		return
	}
	sess, err := s.startAdminSession(w, r, u)
	if errors.Is(err, ErrNotAdmin) {
		writeError(w, http.StatusForbidden, wire.ReasonForbidden, "Only administrators may sign in here.")
		return
	}
	if err != nil {
		s.internalError(w, "admin sign-in", err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

// handleAdminSession tells the page who is signed in and its CSRF token.
func (s *Server) handleAdminSession(w http.ResponseWriter, r *http.Request) {
	u, tok, ok := s.cookieAdmin(w, r)
	if !ok {
		return
	}
	if u.Role != wire.RoleAdmin || u.Disabled {
		writeError(w, http.StatusForbidden, wire.ReasonForbidden, "Only administrators may do this.")
		return
	}
	_, a, err := s.store.UserByAdminSession(r.Context(), auth.HashToken(tok), s.now())
	if err != nil {
		s.internalError(w, "admin session", err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AdminSession{User: wireUser(u), CSRFToken: s.csrfToken(tok), ExpiresAt: a.ExpiresAt})
}

// handleAdminLogout ends the cookie session (a CSRF-checked POST, so no
// other site can sign the admin out).
func (s *Server) handleAdminLogout(w http.ResponseWriter, r *http.Request) {
	u, tok, ok := s.cookieAdmin(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteAdminSession(r.Context(), auth.HashToken(tok)); err != nil {
		s.internalError(w, "admin sign-out", err)
		return
	}
	clearAdminCookie(w)
	s.audit(r.Context(), u, wire.AuditSignOut, "", "")
	w.WriteHeader(http.StatusNoContent)
}

// audit records an admin action. A failure is logged, not returned: the
// action has already happened and the admin should see its result.
func (s *Server) audit(ctx context.Context, actor store.User, action, target, detail string) {
	id, err := auth.NewID()
	if err != nil {
		s.log.Error("audit id", "err", err)
		return
	}
	e := store.AuditEntry{ID: id, OrgID: actor.OrgID, ActorID: actor.ID, ActorEmail: actor.Email,
		Action: action, Target: target, Detail: detail, CreatedAt: s.now()}
	if err := s.store.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit", "action", action, "err", err)
	}
}
