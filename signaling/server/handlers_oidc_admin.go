package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/signaling/oidc"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// handleGetOIDC shows the organisation's provider to its admins. The client
// secret is never returned: only whether one is stored.
func (s *Server) handleGetOIDC(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	cfg, err := s.store.OIDCConfig(r.Context(), u.OrgID)
	if errors.Is(err, store.ErrNotFound) {
		yes := true
		writeJSON(w, http.StatusOK, wire.OIDCSettings{LocalSignIn: &yes})
		return
	}
	if err != nil {
		s.internalError(w, "admin oidc", err)
		return
	}
	writeJSON(w, http.StatusOK, oidcSettings(cfg))
}

// oidcAuditDetail says what an admin set, for the audit log: the issuer
// and the password rule, never the client secret.
func oidcAuditDetail(in wire.OIDCSettings) string {
	if strings.TrimSpace(in.Issuer) == "" {
		return "removed"
	}
	d := "issuer=" + strings.TrimSpace(in.Issuer)
	if in.LocalSignIn != nil {
		d += " local-sign-in=" + strconv.FormatBool(*in.LocalSignIn)
	}
	return d
}

func oidcSettings(cfg store.OIDCConfig) wire.OIDCSettings {
	local := cfg.LocalSignIn
	return wire.OIDCSettings{Issuer: cfg.Issuer, ClientID: cfg.ClientID, AllowedDomain: cfg.AllowedDomain,
		TenantClaim: cfg.TenantClaim, HasSecret: len(cfg.SealedSecret) > 0, LocalSignIn: &local}
}

// handlePutOIDC sets or removes the organisation's provider.
func (s *Server) handlePutOIDC(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	var in wire.OIDCSettings
	if decodeJSON(w, r, &in) != nil {
		return
	}
	err := SetOIDC(r.Context(), s.store, s.sealer, u.OrgID, in)
	switch {
	case errors.Is(err, ErrConfig):
		writeError(w, http.StatusBadRequest, wire.ReasonBadRequest, strings.TrimPrefix(err.Error(), ErrConfig.Error()+": "))
		return
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, wire.ReasonBadRequest, "Another organisation already uses this e-mail domain.")
		return
	case err != nil:
		s.internalError(w, "admin oidc", err)
		return
	}
	s.log.Info("organisation sign-in provider changed", "org", u.OrgID, "by", u.ID, "removed", in.Issuer == "")
	s.audit(r.Context(), u, wire.AuditOrgOIDC, "", oidcAuditDetail(in))
	s.handleGetOIDC(w, r)
}

// SetOIDC validates and stores an organisation's provider; the client
// secret is sealed before it reaches the database. An empty Issuer removes
// the provider. Used by the admin API and "quickhelp-server org oidc set".
func SetOIDC(ctx context.Context, st *store.Store, sealer *oidc.Sealer, orgID string, in wire.OIDCSettings) error {
	if strings.TrimSpace(in.Issuer) == "" {
		return st.DeleteOIDCConfig(ctx, orgID)
	}
	issuer, clientID := strings.TrimSpace(in.Issuer), strings.TrimSpace(in.ClientID)
	domain := strings.ToLower(strings.TrimSpace(in.AllowedDomain))
	switch {
	case !strings.HasPrefix(issuer, "https://") && !isLoopbackHTTP(issuer):
		return errors.Join(ErrConfig, errors.New("the issuer must be an https:// URL"))
	case clientID == "" || len(clientID) > 512 || len(issuer) > 512 || len(in.ClientSecret) > 4096:
		return errors.Join(ErrConfig, errors.New("the client ID is missing, or a value is too long"))
	case domain != "" && !oidc.ValidDomain(domain):
		return errors.Join(ErrConfig, errors.New("the allowed domain is not an e-mail domain such as contoso.com"))
	}
	if _, _, err := oidc.ParseTenantClaim(in.TenantClaim); err != nil {
		return errors.Join(ErrConfig, errors.New("the tenant claim must look like claim=value, e.g. tid=<tenant ID>"))
	}
	local := true
	if old, err := st.OIDCConfig(ctx, orgID); err == nil {
		local = old.LocalSignIn
	}
	if in.LocalSignIn != nil {
		local = *in.LocalSignIn
	}
	cfg := store.OIDCConfig{OrgID: orgID, Issuer: issuer, ClientID: clientID, AllowedDomain: domain,
		TenantClaim: strings.TrimSpace(in.TenantClaim), LocalSignIn: local}
	if in.ClientSecret != "" {
		sealed, err := sealer.Seal(sealSecret, []byte(in.ClientSecret))
		if err != nil {
			return err
		}
		cfg.SealedSecret = sealed
	}
	err := st.SetOIDCConfig(ctx, cfg)
	if errors.Is(err, store.ErrNotFound) {
		return errors.Join(ErrConfig, errors.New("a client secret is required"))
	}
	return err
}

// isLoopbackHTTP allows an http issuer on this computer only (tests, a
// provider on the same host).
func isLoopbackHTTP(issuer string) bool {
	for _, p := range []string{"http://127.0.0.1:", "http://[::1]:", "http://localhost:"} {
		if strings.HasPrefix(issuer, p) {
			return true
		}
	}
	return false
}

// handleOIDCLookup tells the sign-in screen how people of an e-mail's
// domain sign in. It reveals only which organisation claimed the domain
// for sign-in, never whether an account exists, and is rate-limited with
// the other sign-in steps.
func (s *Server) handleOIDCLookup(w http.ResponseWriter, r *http.Request) {
	if !s.oidcAllow(r) {
		s.loginThrottled(w, 0)
		return
	}
	domain := oidc.EmailDomain(strings.TrimSpace(r.URL.Query().Get("email")))
	if domain == "" || !oidc.ValidDomain(domain) {
		writeJSON(w, http.StatusOK, wire.OIDCLookupResponse{Password: true})
		return
	}
	cfg, err := s.store.OIDCConfigByDomain(r.Context(), domain)
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusOK, wire.OIDCLookupResponse{Password: true})
		return
	}
	if err != nil {
		s.internalError(w, "oidc lookup", err)
		return
	}
	o, err := s.store.Org(r.Context(), cfg.OrgID)
	if err != nil {
		s.internalError(w, "oidc lookup", err)
		return
	}
	writeJSON(w, http.StatusOK, wire.OIDCLookupResponse{Organization: o.Name, OIDC: true, Password: cfg.LocalSignIn})
}

// recheckLease is how long a claimed re-check keeps others from starting
// one; a check that takes longer may be repeated.
const recheckLease = time.Minute

// recheckOIDC re-checks a provider sign-in with the provider when it is due
// (every OIDCRecheck, one hour by default): a person disabled at the
// provider loses the token here. Of concurrent requests of one token (on
// any node), one claims the check in the database and the others go on,
// since a provider may rotate the refresh token on use and a second use of
// the old one would look like a revocation. It answers 401/503 itself and
// returns false when the request may not go on.
func (s *Server) recheckOIDC(w http.ResponseWriter, r *http.Request, tokenHash string) bool {
	ctx := r.Context()
	g, err := s.store.OIDCGrant(ctx, tokenHash)
	if errors.Is(err, store.ErrNotFound) || (err == nil && s.now().Before(g.RecheckAt)) {
		return true // a password sign-in, or not due
	}
	if err != nil {
		s.internalError(w, "oidc recheck", err)
		return false
	}
	claimed, err := s.store.ClaimOIDCRecheck(ctx, tokenHash, g.RecheckAt, s.now().Add(recheckLease))
	if err != nil {
		s.internalError(w, "oidc recheck", err)
		return false
	}
	if !claimed {
		return true // another request is re-checking this token
	}
	err = s.recheck(context.WithoutCancel(ctx), g)
	switch {
	case err == nil:
		return true
	case errors.Is(err, oidc.ErrRevoked), errors.Is(err, store.ErrNotFound), errors.Is(err, oidc.ErrSealed):
		s.log.Info("provider no longer accepts the helper's sign-in", "err", err)
		if err := s.store.DeleteAuthToken(ctx, tokenHash); err != nil {
			s.log.Error("oidc recheck revoke", "err", err)
		}
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "Your organisation's sign-in has ended. Please sign in again.")
	default:
		// Due again at once: the next request tries the provider again.
		if err := s.store.UpdateOIDCGrant(ctx, tokenHash, g.SealedGrant, g.RecheckAt); err != nil {
			s.log.Error("oidc recheck release", "err", err)
		}
		s.log.Warn("organisation's provider unavailable for re-check", "err", err)
		writeRetry(w, http.StatusServiceUnavailable, wire.ReasonUnavailable, "Your organisation's sign-in service cannot be reached. Please try again in a moment.", 30*time.Second)
	}
	return false
}

func (s *Server) recheck(ctx context.Context, g store.OIDCGrant) error {
	cfg, err := s.store.OIDCConfig(ctx, g.OrgID)
	if err != nil {
		return err // ErrNotFound: the provider was removed; the sign-in ends
	}
	org, err := s.openOrg(cfg)
	if err != nil {
		return err
	}
	plain, err := s.sealer.Open(sealGrant, g.SealedGrant)
	if err != nil {
		return err
	}
	grant, err := oidc.UnmarshalGrant(plain)
	if err != nil {
		return err
	}
	next, err := s.oidc.Recheck(ctx, org, grant)
	if err != nil {
		return err
	}
	sealed, err := s.sealer.Seal(sealGrant, oidc.MarshalGrant(next))
	if err != nil {
		return err
	}
	return s.store.UpdateOIDCGrant(ctx, g.TokenHash, sealed, s.now().Add(s.cfg.OIDCRecheck))
}
