package server

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/oidc"
	"github.com/quickhelp/quickhelp/signaling/store"
)

// The provider's return to the service. Once the service's state has
// matched a pending sign-in, that sign-in is used up, whatever follows: an
// app's sign-in then always ends at the app's loopback address, with a
// one-time code or with a reason, so the app never waits for an answer
// that will not come.

func (s *Server) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	if !s.oidcAllow(r) {
		writePage(w, r, pageBusy)
		return
	}
	ctx, q := r.Context(), r.URL.Query()
	state := q.Get("state")
	if state == "" || len(state) > maxAppState {
		writePage(w, r, pageStateUnknown)
		return
	}
	p, err := s.store.TakeOIDCPending(ctx, auth.HashToken(state), s.now())
	if errors.Is(err, store.ErrNotFound) {
		writePage(w, r, pageStateUnknown) // nothing known to send it back to
		return
	}
	if err != nil {
		s.pageError(w, r, "oidc callback", err)
		return
	}
	if p.RedirectURI == "" && !s.adminBrowserMatches(w, r, p) {
		writePage(w, r, pageStateUnknown)
		return
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		s.log.Info("provider returned no code", "org", p.OrgID, "error", providerError(q.Get("error")))
		s.callbackFailed(w, r, p, pageProviderDenied)
		return
	}
	org, _, page := s.loadProvider(ctx, p.OrgID)
	if page >= 0 {
		s.callbackFailed(w, r, p, page)
		return
	}
	verifier, err := s.sealer.Open(sealVerifier, p.SealedVerifier)
	if err != nil {
		s.callbackError(w, r, p, "oidc verifier", err)
		return
	}
	id, grant, err := s.oidc.Exchange(ctx, org, p.CallbackURL, q.Get("code"), string(verifier), p.Nonce)
	if err != nil {
		s.log.Info("sign-in with provider refused", "org", p.OrgID, "err", err)
		s.callbackFailed(w, r, p, exchangePage(err))
		return
	}
	u, page, err := s.oidcUser(ctx, p.OrgID, id)
	if err != nil {
		s.callbackError(w, r, p, "oidc user", err)
		return
	}
	if page >= 0 {
		s.log.Info("sign-in with provider refused", "org", p.OrgID, "user", u.ID, "reason", reasonOf(page))
		s.callbackFailed(w, r, p, page)
		return
	}
	if p.RedirectURI == "" {
		s.adminConsoleSignedIn(w, r, u)
		return
	}
	s.redirectWithCode(w, r, p, u, grant)
}

// oauthErrorCode is the shape of OAuth's registered error codes.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

// providerError is the provider's error code for the log. The browser
// brought it, so anything not shaped like a registered code is "other".
func providerError(e string) string {
	switch {
	case e == "":
		return "none"
	case oauthErrorCode.MatchString(e):
		return e
	default:
		return "other"
	}
}

func exchangePage(err error) oidcPage {
	switch {
	case errors.Is(err, oidc.ErrIDToken):
		return pageTokenInvalid
	case errors.Is(err, oidc.ErrNotAllowed):
		return pageNotAllowed
	case errors.Is(err, oidc.ErrExchange):
		return pageProviderDenied
	default:
		return pageProviderDown
	}
}

// callbackFailed ends a matched sign-in that cannot go on (the pending
// sign-in is already used up, so its state cannot be tried again). An
// app's sign-in goes back to the app's loopback address, checked when the
// sign-in started, with the app's own state and a reason (pageReason) and
// nothing else: no code, no detail of what failed. The app's page and
// screen then say why, at once. A console sign-in, which has no loopback
// address, gets the page here.
func (s *Server) callbackFailed(w http.ResponseWriter, r *http.Request, p store.OIDCPending, page oidcPage) {
	if p.RedirectURI == "" {
		writePage(w, r, page)
		return
	}
	target, err := url.Parse(p.RedirectURI)
	if err != nil {
		s.pageError(w, r, "oidc redirect", err)
		return
	}
	v := target.Query()
	v.Del("code")
	v.Set("error", string(reasonOf(page)))
	v.Set("state", p.AppState)
	target.RawQuery = v.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// callbackError logs a failure of the service itself and ends the sign-in.
func (s *Server) callbackError(w http.ResponseWriter, r *http.Request, p store.OIDCPending, what string, err error) {
	s.log.Error(what, "err", err)
	s.callbackFailed(w, r, p, pageInternal)
}

// redirectWithCode hands the app's loopback address a one-time code for
// the signed-in user.
func (s *Server) redirectWithCode(w http.ResponseWriter, r *http.Request, p store.OIDCPending, u store.User, g oidc.Grant) {
	code, err := auth.NewToken()
	if err != nil {
		s.callbackError(w, r, p, "oidc code", err)
		return
	}
	sealed, err := s.sealer.Seal(sealGrant, oidc.MarshalGrant(g))
	if err != nil {
		s.callbackError(w, r, p, "oidc code", err)
		return
	}
	now := s.now()
	err = s.store.CreateOIDCCode(r.Context(), store.OIDCCode{CodeHash: auth.HashToken(code), UserID: u.ID,
		CodeChallenge: p.CodeChallenge, SealedGrant: sealed, ExpiresAt: now.Add(oidcCodeTTL)}, now, s.cfg.OIDCPendingMax)
	if errors.Is(err, store.ErrFull) {
		s.metrics.RateLimited.Add(1)
		s.callbackFailed(w, r, p, pageBusy)
		return
	}
	if err != nil {
		s.callbackError(w, r, p, "oidc code", err)
		return
	}
	target, err := url.Parse(p.RedirectURI)
	if err != nil {
		s.pageError(w, r, "oidc redirect", err)
		return
	}
	v := target.Query()
	v.Set("code", code)
	v.Set("state", p.AppState)
	target.RawQuery = v.Encode()
	s.log.Info("signed in with organisation's provider", "user", u.ID)
	http.Redirect(w, r, target.String(), http.StatusFound)
}
