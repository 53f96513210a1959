package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/oidc"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// Sign-in with the organisation's OpenID Connect provider (RFC 8252: the
// app's system browser, a loopback redirect, the service as the
// confidential client). The app sends the browser to /start with its own
// state and PKCE challenge; the service sends it on to the provider with
// its own state, nonce and PKCE; the provider returns it to /callback; the
// service verifies the person and hands the app's loopback address a
// one-time code, which the app trades at /token with its PKCE verifier.

const (
	oidcPendingTTL = 10 * time.Minute // time for the person at the provider's page
	oidcCodeTTL    = 60 * time.Second // the one-time code for the app
	maxAppState    = 512
)

// Purposes for sealing.
const (
	sealSecret   = "client-secret"
	sealVerifier = "pkce-verifier"
	sealGrant    = "grant"
)

// oidcAllow counts one sign-in step of the client before any work: starts,
// callbacks and lookups share a per-address budget.
func (s *Server) oidcAllow(r *http.Request) bool {
	ok, _ := s.oidcLimiter.Reserve(s.clientKey(r), s.now())
	if !ok {
		s.metrics.RateLimited.Add(1)
	}
	return ok
}

func (s *Server) handleOIDCStart(w http.ResponseWriter, r *http.Request) {
	if !s.oidcAllow(r) {
		writePage(w, r, pageBusy)
		return
	}
	q := r.URL.Query()
	appState, challenge := q.Get("state"), q.Get("code_challenge")
	if appState == "" || len(appState) > maxAppState || q.Get("code_challenge_method") != "S256" ||
		!oidc.ValidChallenge(challenge) || q.Get("org") == "" {
		writePage(w, r, pageBadRequest)
		return
	}
	redirect, err := oidc.LoopbackRedirect(q.Get("redirect_uri"))
	if err != nil {
		writePage(w, r, pageNotLoopback)
		return
	}
	org, cfg, ok := s.orgProvider(w, r, q.Get("org"))
	if !ok {
		return
	}
	s.toProvider(w, r, org, cfg, redirect.String(), appState, challenge)
}

// toProvider keeps a pending sign-in (bounded, counted before the provider
// is contacted) and sends the browser to the provider with the service's
// own state, nonce and PKCE challenge. redirect, appState and challenge are
// the app's; an empty redirect is a sign-in to the admin console, whose
// challenge binds the sign-in to the browser's cookie.
func (s *Server) toProvider(w http.ResponseWriter, r *http.Request, org oidc.Org, cfg store.OIDCConfig, redirect, appState, challenge string) {
	ctx := r.Context()
	state, e1 := auth.NewToken()
	nonce, e2 := auth.NewToken()
	verifier, e3 := auth.NewToken()
	sealed, e4 := s.sealer.Seal(sealVerifier, []byte(verifier))
	if err := errors.Join(e1, e2, e3, e4); err != nil {
		s.pageError(w, r, "oidc start", err)
		return
	}
	now := s.now()
	callback := s.callbackURL(r)
	err := s.store.CreateOIDCPending(ctx, store.OIDCPending{StateHash: auth.HashToken(state), OrgID: cfg.OrgID,
		RedirectURI: redirect, AppState: appState, CodeChallenge: challenge, Nonce: nonce,
		CallbackURL: callback, SealedVerifier: sealed, ExpiresAt: now.Add(oidcPendingTTL)}, now, s.cfg.OIDCPendingMax)
	if errors.Is(err, store.ErrFull) {
		s.metrics.RateLimited.Add(1)
		writePage(w, r, pageBusy)
		return
	}
	if err != nil {
		s.pageError(w, r, "oidc start", err)
		return
	}
	target, err := s.oidc.AuthURL(ctx, org, callback, state, nonce, verifier)
	if err != nil {
		s.log.Warn("organisation's provider unavailable", "org", cfg.OrgID, "err", err)
		writePage(w, r, pageProviderDown)
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// orgProvider loads an organisation (by name) and its provider with the
// client secret opened, answering the page itself when there is none.
func (s *Server) orgProvider(w http.ResponseWriter, r *http.Request, name string) (oidc.Org, store.OIDCConfig, bool) {
	o, err := s.store.OrgByName(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		writePage(w, r, pageUnknownOrg)
		return oidc.Org{}, store.OIDCConfig{}, false
	}
	if err != nil {
		s.pageError(w, r, "oidc org", err)
		return oidc.Org{}, store.OIDCConfig{}, false
	}
	if o.Disabled {
		writePage(w, r, pageOrgDisabled)
		return oidc.Org{}, store.OIDCConfig{}, false
	}
	return s.providerOf(w, r, o.ID)
}

func (s *Server) providerOf(w http.ResponseWriter, r *http.Request, orgID string) (oidc.Org, store.OIDCConfig, bool) {
	org, cfg, page := s.loadProvider(r.Context(), orgID)
	if page >= 0 {
		writePage(w, r, page)
		return org, cfg, false
	}
	return org, cfg, true
}

// loadProvider loads an organisation's provider with the client secret
// opened; a page >= 0 is the refusal to show instead.
func (s *Server) loadProvider(ctx context.Context, orgID string) (oidc.Org, store.OIDCConfig, oidcPage) {
	cfg, err := s.store.OIDCConfig(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return oidc.Org{}, cfg, pageUnknownOrg
	}
	if err != nil {
		s.log.Error("oidc org", "err", err)
		return oidc.Org{}, cfg, pageInternal
	}
	org, err := s.openOrg(cfg)
	if err != nil {
		s.log.Error("oidc client secret", "err", err)
		return oidc.Org{}, cfg, pageInternal
	}
	return org, cfg, -1
}

func (s *Server) openOrg(cfg store.OIDCConfig) (oidc.Org, error) {
	secret, err := s.sealer.Open(sealSecret, cfg.SealedSecret)
	if err != nil {
		return oidc.Org{}, err
	}
	return oidc.Org{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: string(secret),
		AllowedDomain: cfg.AllowedDomain, TenantClaim: cfg.TenantClaim}, nil
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.Error(what, "err", err)
	writePage(w, r, pageInternal)
}

// callbackURL is where the provider returns the browser: the configured
// public URL, else the URL this request reached.
func (s *Server) callbackURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/") + wire.PathOIDCCallback
	}
	scheme := "http"
	if r.TLS != nil || (s.cfg.TrustProxyHeader && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + wire.PathOIDCCallback
}

// oidcUser finds the helper of a provider identity, or creates one on the
// first sign-in. Identities are keyed by issuer and subject, never linked
// to an existing account by e-mail. A pending administrator named with
// "org admin add" becomes admin when their verified e-mail signs in. A
// page >= 0 is a refusal to show.
func (s *Server) oidcUser(ctx context.Context, orgID string, id oidc.Identity) (store.User, oidcPage, error) {
	u, err := s.store.UserByIdentity(ctx, id.Issuer, id.Subject)
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.createOIDCUser(ctx, orgID, id)
		if errors.Is(err, store.ErrConflict) {
			return u, pageEmailTaken, nil
		}
	}
	if err != nil {
		return u, 0, err
	}
	if u.OrgID != orgID {
		return u, pageNotAllowed, nil
	}
	if u.OrgDisabled {
		return u, pageOrgDisabled, nil
	}
	if u.Disabled {
		return u, pageSuspended, nil
	}
	if id.EmailVerified && u.Role != wire.RoleAdmin {
		promote, err := s.store.TakePendingAdmin(ctx, orgID, id.Email)
		if err != nil {
			return u, 0, err
		}
		if promote {
			if err := s.store.SetUserRole(ctx, u.ID, wire.RoleAdmin); err != nil {
				return u, 0, err
			}
			u.Role = wire.RoleAdmin
			s.log.Info("first administrator signed in", "user", u.ID, "org", orgID)
		}
	}
	return u, -1, nil
}

func (s *Server) createOIDCUser(ctx context.Context, orgID string, id oidc.Identity) (store.User, error) {
	uid, err := auth.NewID()
	if err != nil {
		return store.User{}, err
	}
	email := id.Email
	if email == "" { // the provider shares no address: a unique placeholder that never signs in
		email = "oidc-" + uid + "@invalid"
	}
	first, last := strings.TrimSpace(id.GivenName), strings.TrimSpace(id.FamilyName)
	if first == "" && last == "" {
		first, _, _ = strings.Cut(email, "@")
	}
	u := store.User{ID: uid, OrgID: orgID, Email: email, FirstName: first, LastName: last,
		Role: wire.RoleHelper, CreatedAt: s.now()}
	if err := s.store.CreateOIDCUser(ctx, u, id.Issuer, id.Subject); err != nil {
		return store.User{}, err
	}
	s.log.Info("helper created at first sign-in with provider", "user", uid, "org", orgID)
	return s.store.UserByID(ctx, uid)
}

// handleOIDCToken trades the one-time code and the app's PKCE verifier for
// a sign-in token: the same answer as a password sign-in. Every attempt is
// counted against the sign-in limits before the lookup; the code is
// consumed by the first attempt, right or wrong.
func (s *Server) handleOIDCToken(w http.ResponseWriter, r *http.Request) {
	key, now := s.clientKey(r), s.now()
	if ok, retry := s.loginLimiter.Reserve(key, now); !ok {
		s.loginThrottled(w, retry)
		return
	}
	var req wire.OIDCTokenRequest
	if decodeJSON(w, r, &req) != nil {
		return
	}
	ctx := r.Context()
	c, err := s.store.TakeOIDCCode(ctx, auth.HashToken(req.Code), now)
	if errors.Is(err, store.ErrNotFound) {
		s.metrics.LoginsFailed.Add(1)
		writeError(w, http.StatusBadRequest, wire.ReasonUnauthorized, "This sign-in code was already used or has expired. Please sign in again.")
		return
	}
	if err != nil {
		s.internalError(w, "oidc token", err)
		return
	}
	if !oidc.VerifierMatches(req.CodeVerifier, c.CodeChallenge) {
		s.metrics.LoginsFailed.Add(1)
		writeError(w, http.StatusBadRequest, wire.ReasonUnauthorized, "This sign-in was not started by this app. Please sign in again.")
		return
	}
	u, err := s.store.UserByID(ctx, c.UserID)
	if err != nil {
		s.internalError(w, "oidc token", err)
		return
	}
	if u.Disabled {
		writeError(w, http.StatusForbidden, wire.ReasonHelperSuspended, "This account is suspended. Ask your organisation's administrator.")
		return
	}
	tok, err := auth.NewToken()
	if err != nil {
		s.internalError(w, "oidc token", err)
		return
	}
	exp := now.Add(s.cfg.TokenTTL)
	if err := s.store.CreateAuthToken(ctx, auth.HashToken(tok), u.ID, exp); err != nil {
		s.internalError(w, "oidc token", err)
		return
	}
	if err := s.store.CreateOIDCGrant(ctx, store.OIDCGrant{TokenHash: auth.HashToken(tok), OrgID: u.OrgID,
		SealedGrant: c.SealedGrant, RecheckAt: now.Add(s.cfg.OIDCRecheck)}); err != nil {
		s.internalError(w, "oidc token", err)
		return
	}
	s.loginLimiter.Refund(key, now)
	writeJSON(w, http.StatusOK, wire.LoginResponse{Token: tok, ExpiresAt: exp, User: wireUser(u)})
}
