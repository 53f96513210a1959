package server

import (
	"errors"
	"net/http"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/oidc"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// Sign-in to the admin console (/admin/) with the organisation's provider.
// The console is a page of the service itself, so the browser returns
// through the service's own callback and ends with the console's cookie
// session; there is no loopback redirect and no one-time code.

// oidcBrowserCookie binds a console sign-in to the browser that started
// it, so a provider answer made for someone else's browser cannot sign this
// one in to their account (login CSRF). SameSite=Lax: the provider sends
// the browser back with a top-level cross-site GET, which Lax allows.
const oidcBrowserCookie = "__Host-quickhelp-oidc"

// handleAdminOIDCStart starts a console sign-in: GET
// /v1/admin/oidc/start?org=Contoso from the console's sign-in page.
func (s *Server) handleAdminOIDCStart(w http.ResponseWriter, r *http.Request) {
	if !s.oidcAllow(r) {
		writePage(w, r, pageBusy)
		return
	}
	name := r.URL.Query().Get("org")
	if name == "" || len(name) > 256 {
		writePage(w, r, pageBadRequest)
		return
	}
	org, cfg, ok := s.orgProvider(w, r, name)
	if !ok {
		return
	}
	binding, err := auth.NewToken()
	if err != nil {
		s.pageError(w, r, "oidc console start", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcBrowserCookie, Value: binding, Path: "/", MaxAge: int(oidcPendingTTL.Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	s.toProvider(w, r, org, cfg, "", "", oidc.S256(binding))
}

// adminBrowserMatches checks that a console sign-in comes back to the
// browser that started it, and forgets the binding.
func (s *Server) adminBrowserMatches(w http.ResponseWriter, r *http.Request, p store.OIDCPending) bool {
	http.SetCookie(w, &http.Cookie{Name: oidcBrowserCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode})
	c, err := r.Cookie(oidcBrowserCookie)
	return err == nil && oidc.VerifierMatches(c.Value, p.CodeChallenge)
}

// adminConsoleSignedIn starts the console's cookie session for an admin
// and sends the browser on to the console. The last step is a page of this
// origin, not a redirect: a redirect would still count as the provider's
// cross-site navigation, and the browser would not send the SameSite=Strict
// session cookie with it.
func (s *Server) adminConsoleSignedIn(w http.ResponseWriter, r *http.Request, u store.User) {
	_, err := s.startAdminSession(w, r, u)
	if errors.Is(err, ErrNotAdmin) {
		writePage(w, r, pageNotAdmin)
		return
	}
	if err != nil {
		s.pageError(w, r, "oidc console session", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=` +
		wire.PathAdminConsole + `"><title>QuickHelp</title></head><body><main data-testid="oidc-console-signed-in"><p><a href="` +
		wire.PathAdminConsole + `">QuickHelp admin console</a></p></main></body></html>`))
}
