package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/oidc"
	"github.com/quickhelp/quickhelp/signaling/ratelimit"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/test/oidcprovider"
	"github.com/quickhelp/quickhelp/wire"
)

const (
	oidcClientID = "quickhelp"
	oidcSecret   = "provider-client-secret-1"
	appRedirect  = "http://127.0.0.1:9/quickhelp/callback" // the app's loopback listener; never dialled here
)

var kim = oidcprovider.User{ID: "sub-kim", Username: "kim", Password: "kim-password", FirstName: "Kim", LastName: "Lee",
	Email: "kim@contoso.com", EmailVerified: true}

type oidcEnv struct {
	*servertest.Env
	idp *oidcprovider.Provider
}

// startOIDC starts the service and a real OpenID Provider that knows the
// service as a client, and sets the provider on the test organisation.
func startOIDC(t *testing.T, users ...oidcprovider.User) *oidcEnv {
	t.Helper()
	env := servertest.StartWith(t, func(c *server.Config) {
		many := []ratelimit.Rule{{Window: time.Minute, Max: 1000}}
		c.LoginRules, c.OIDCRules = many, many
	})
	if len(users) == 0 {
		users = []oidcprovider.User{kim}
	}
	idp, err := oidcprovider.Start(oidcprovider.Config{Users: users, Clients: []oidcprovider.Client{
		{ID: oidcClientID, Secret: oidcSecret, RedirectURIs: []string{env.URL + wire.PathOIDCCallback}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Close() })
	e := &oidcEnv{Env: env, idp: idp}
	e.setProvider(t, wire.OIDCSettings{Issuer: idp.Issuer, ClientID: oidcClientID, ClientSecret: oidcSecret, AllowedDomain: "contoso.com"})
	return e
}

func (e *oidcEnv) setProvider(t *testing.T, in wire.OIDCSettings) wire.OIDCSettings {
	t.Helper()
	var out wire.OIDCSettings
	if st, werr := e.Do(t, http.MethodPut, wire.PathAdminOIDC, e.AdminToken(t), in, &out); st != http.StatusOK {
		t.Fatalf("PUT %s = %d %+v", wire.PathAdminOIDC, st, werr)
	}
	return out
}

// appStart is what the app sends the browser to: its state, PKCE pair and
// loopback redirect.
type appStart struct {
	state, verifier, challenge, redirect string
}

func newAppStart() appStart {
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	return appStart{state: "app-state-1", verifier: v, challenge: oidc.S256(v), redirect: appRedirect}
}

func (e *oidcEnv) startURL(a appStart, org string) string {
	q := url.Values{"org": {org}, "redirect_uri": {a.redirect}, "code_challenge": {a.challenge},
		"code_challenge_method": {"S256"}, "state": {a.state}}
	return e.URL + wire.PathOIDCStart + "?" + q.Encode()
}

// browser is a cookie-keeping HTTP client that follows redirects until one
// points at the app's loopback address.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "127.0.0.1:9" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

var idField = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn goes through the provider's login page as user and returns the
// final answer: a redirect to the app, or the service's refusal page.
func (e *oidcEnv) signIn(t *testing.T, a appStart, u oidcprovider.User) (*http.Response, string) {
	t.Helper()
	return e.signInAfter(t, a, u, nil)
}

// signInAfter is signIn with atProvider run while the person is on the
// provider's login page.
func (e *oidcEnv) signInAfter(t *testing.T, a appStart, u oidcprovider.User, atProvider func()) (*http.Response, string) {
	t.Helper()
	c := browser(t)
	resp, err := c.Get(e.startURL(a, servertest.OrgName))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := idField.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("start: %d, no provider login page: %.300s", resp.StatusCode, page)
	}
	if atProvider != nil {
		atProvider()
	}
	resp, err = c.PostForm(resp.Request.URL.Scheme+"://"+resp.Request.URL.Host+"/login/username",
		url.Values{"id": {string(m[1])}, "username": {u.Username}, "password": {u.Password}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// codeFrom checks a redirect to the app and returns its one-time code.
func codeFrom(t *testing.T, resp *http.Response, body string, a appStart) string {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("sign-in ended with %d, want a redirect to the app: %.400s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), a.redirect+"?") {
		t.Fatalf("redirect to %q, want the app's %s", resp.Header.Get("Location"), a.redirect)
	}
	if loc.Query().Get("state") != a.state || loc.Query().Get("code") == "" {
		t.Fatalf("redirect query %q: want the app's state and a code", loc.RawQuery)
	}
	return loc.Query().Get("code")
}

func (e *oidcEnv) token(t *testing.T, code, verifier string) (int, wire.LoginResponse, wire.Error) {
	t.Helper()
	var out wire.LoginResponse
	st, werr := e.Do(t, http.MethodPost, wire.PathOIDCToken, "", wire.OIDCTokenRequest{Code: code, CodeVerifier: verifier}, &out)
	return st, out, werr
}

func (e *oidcEnv) signInToken(t *testing.T, u oidcprovider.User) wire.LoginResponse {
	t.Helper()
	a := newAppStart()
	resp, body := e.signIn(t, a, u)
	st, res, werr := e.token(t, codeFrom(t, resp, body, a), a.verifier)
	if st != http.StatusOK {
		t.Fatalf("token exchange: %d %+v", st, werr)
	}
	return res
}

// TestOIDCSignIn: the first sign-in creates the helper (names from the
// provider's userinfo, since its ID tokens carry no profile claims), the
// token works like a password sign-in's, a second sign-in finds the same
// helper, and a pending administrator becomes admin.
func TestOIDCSignIn(t *testing.T) {
	e := startOIDC(t)
	ctx := context.Background()
	if err := e.Store.AddPendingAdmin(ctx, e.Org.ID, "KIM@contoso.com"); err != nil {
		t.Fatal(err)
	}
	res := e.signInToken(t, kim)
	u := res.User
	if u.FirstName != "Kim" || u.LastName != "Lee" || u.Email != "kim@contoso.com" || u.Organization != servertest.OrgName || u.Role != wire.RoleAdmin {
		t.Errorf("signed-in user = %+v, want Kim Lee of %s, admin", u, servertest.OrgName)
	}
	if res.Token == "" || !res.ExpiresAt.After(time.Now()) {
		t.Errorf("token %q expires %v", res.Token, res.ExpiresAt)
	}
	create := e.CreateSession(t, res.Token)
	if create.Code == "" {
		t.Error("no code created with the provider sign-in's token")
	}
	again := e.signInToken(t, kim)
	if again.User.ID != u.ID {
		t.Errorf("second sign-in: user %s, want the same %s", again.User.ID, u.ID)
	}
	// A password cannot sign in an account created by the provider.
	if st, _ := e.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: "kim@contoso.com", Password: ""}, nil); st != http.StatusUnauthorized {
		t.Errorf("password sign-in of a provider account: %d, want 401", st)
	}
	if st, _ := e.Do(t, http.MethodPost, wire.PathLogout, res.Token, nil, nil); st != http.StatusNoContent {
		t.Errorf("sign-out: %d", st)
	}
	if st, _ := e.Do(t, http.MethodGet, wire.PathAdminOIDC, res.Token, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("token after sign-out: %d, want 401", st)
	}
}

// TestOIDCNeverLinksByEmail: a person whose e-mail belongs to an existing
// password account gets a refusal, not that account.
func TestOIDCNeverLinksByEmail(t *testing.T) {
	alex := oidcprovider.User{ID: "sub-alex", Username: "alex", Password: "pw", FirstName: "Alex", LastName: "P",
		Email: servertest.HelperEmail, EmailVerified: true}
	e := startOIDC(t, alex)
	e.setProvider(t, wire.OIDCSettings{Issuer: e.idp.Issuer, ClientID: oidcClientID}) // no domain rule; secret kept
	a := newAppStart()
	resp, body := e.signIn(t, a, alex)
	refusedWith(t, resp, body, a, wire.ReasonSSOEmailTaken)
}

func TestOIDCRefusals(t *testing.T) {
	unverified := oidcprovider.User{ID: "sub-u", Username: "sam", Password: "pw", FirstName: "Sam", LastName: "U",
		Email: "sam@contoso.com", EmailVerified: false}
	e := startOIDC(t, kim, unverified)
	t.Run("replayed code", func(t *testing.T) {
		a := newAppStart()
		resp, body := e.signIn(t, a, kim)
		code := codeFrom(t, resp, body, a)
		if st, _, _ := e.token(t, code, a.verifier); st != http.StatusOK {
			t.Fatalf("first use: %d", st)
		}
		if st, _, werr := e.token(t, code, a.verifier); st != http.StatusBadRequest || !strings.Contains(werr.Message, "already used") {
			t.Errorf("replay: %d %+v, want 400 'already used'", st, werr)
		}
	})
	t.Run("wrong verifier", func(t *testing.T) {
		a := newAppStart()
		resp, body := e.signIn(t, a, kim)
		code := codeFrom(t, resp, body, a)
		other := newAppStart()
		if st, _, werr := e.token(t, code, other.verifier); st != http.StatusBadRequest || !strings.Contains(werr.Message, "not started by this app") {
			t.Errorf("wrong verifier: %d %+v, want 400", st, werr)
		}
		if st, _, _ := e.token(t, code, a.verifier); st != http.StatusBadRequest {
			t.Errorf("right verifier after a wrong one: %d, want 400 (the code is burnt)", st)
		}
	})
	t.Run("foreign state", func(t *testing.T) {
		resp, err := browser(t).Get(e.URL + wire.PathOIDCCallback + "?state=someone-elses&code=x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "no longer valid") {
			t.Errorf("callback with a foreign state: %d %.300s", resp.StatusCode, body)
		}
	})
	t.Run("another audience", func(t *testing.T) {
		e.idp.IssueForAudience("some-other-app")
		defer e.idp.IssueForAudience("")
		a := newAppStart()
		resp, body := e.signIn(t, a, kim)
		refusedWith(t, resp, body, a, wire.ReasonSSOFailed)
		if !strings.Contains(e.Logs.String(), `expected audience`) {
			t.Error("the refusal was not for the audience")
		}
	})
	t.Run("unverified e-mail with a domain rule", func(t *testing.T) {
		a := newAppStart()
		resp, body := e.signIn(t, a, unverified)
		refusedWith(t, resp, body, a, wire.ReasonSSONotAllowed)
	})
	t.Run("redirect not loopback", func(t *testing.T) {
		for _, r := range []string{"https://evil.example/cb", "http://localhost:9/cb", "http://127.0.0.1/cb", "http://10.0.0.1:9/cb"} {
			a := newAppStart()
			a.redirect = r
			resp, err := browser(t).Get(e.startURL(a, servertest.OrgName))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("start with redirect_uri %s: %d, want 400", r, resp.StatusCode)
			}
		}
	})
	t.Run("another issuer", func(t *testing.T) {
		// The organisation names the provider by another address than the
		// issuer its discovery document (and so its tokens) carry, as
		// Entra ID's "common" endpoint does: nothing is trusted.
		other := strings.Replace(e.idp.Issuer, "127.0.0.1", "localhost", 1)
		e.setProvider(t, wire.OIDCSettings{Issuer: other, ClientID: oidcClientID, AllowedDomain: "contoso.com"})
		defer e.setProvider(t, wire.OIDCSettings{Issuer: e.idp.Issuer, ClientID: oidcClientID, AllowedDomain: "contoso.com"})
		resp, err := browser(t).Get(e.startURL(newAppStart(), servertest.OrgName))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "not reachable") {
			t.Errorf("provider whose issuer differs: %d %.300s, want 502 refusal", resp.StatusCode, body)
		}
		if !strings.Contains(e.Logs.String(), "did not match the issuer") {
			t.Error("the refusal was not for the issuer")
		}
	})
	t.Run("japanese page", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, e.URL+wire.PathOIDCCallback+"?state=x", nil)
		req.Header.Set("Accept-Language", "ja,en;q=0.5")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "このサインインは無効です") || !strings.Contains(string(body), `lang="ja"`) {
			t.Errorf("Japanese refusal page: %.300s", body)
		}
	})
}

// TestOIDCKeyRotation: after the provider replaces its signing key, sign-in
// still works (the new key set is fetched for the unknown key ID).
func TestOIDCKeyRotation(t *testing.T) {
	e := startOIDC(t)
	first := e.signInToken(t, kim)
	if err := e.idp.RotateKey(); err != nil {
		t.Fatal(err)
	}
	if again := e.signInToken(t, kim); again.User.ID != first.User.ID {
		t.Errorf("after key rotation: user %s, want %s", again.User.ID, first.User.ID)
	}
}

// TestOIDCRecheck: when the token's re-check is due (an hour), the service
// renews the grant with the provider; a person disabled at the provider
// loses their QuickHelp sign-in then.
func TestOIDCRecheck(t *testing.T) {
	lee := oidcprovider.User{ID: "sub-lee", Username: "lee", Password: "pw", FirstName: "Lee", LastName: "M",
		Email: "lee@contoso.com", EmailVerified: true}
	e := startOIDC(t, kim, lee)
	kimTok := e.signInToken(t, kim).Token
	leeTok := e.signInToken(t, lee).Token
	e.idp.DisableUser(lee.ID)
	// Not due yet: the token still works.
	if st, _ := e.Do(t, http.MethodPost, wire.PathSessions, leeTok, nil, nil); st != http.StatusCreated && st != http.StatusOK {
		t.Fatalf("before the re-check: %d", st)
	}
	e.Clock.Advance(61 * time.Minute)
	if st, _ := e.Do(t, http.MethodPost, wire.PathSessions, leeTok, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("disabled at the provider, after the re-check: %d, want 401", st)
	}
	if st, _ := e.Do(t, http.MethodPost, wire.PathSessions, leeTok, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("revoked token used again: %d, want 401", st)
	}
	for i := range 2 { // renewed once, then not due again
		if st, werr := e.Do(t, http.MethodPost, wire.PathSessions, kimTok, nil, nil); st != http.StatusCreated && st != http.StatusOK {
			t.Errorf("still enabled at the provider, call %d after the re-check: %d %+v", i, st, werr)
		}
	}
	// The organisation removes its provider: at the next re-check the
	// provider sign-ins end (password sign-ins are untouched).
	helper := e.HelperToken(t)
	e.setProvider(t, wire.OIDCSettings{})
	e.Clock.Advance(61 * time.Minute)
	if st, _ := e.Do(t, http.MethodPost, wire.PathSessions, kimTok, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("provider removed, after the re-check: %d, want 401", st)
	}
	if st, werr := e.Do(t, http.MethodPost, wire.PathSessions, helper, nil, nil); st != http.StatusCreated && st != http.StatusOK {
		t.Errorf("password sign-in after the provider was removed: %d %+v", st, werr)
	}
}

// TestOIDCSettingsAdmin: the admin API sets the provider; the client
// secret is never returned; helpers may not; local sign-in can be turned
// off for the organisation; the lookup finds the organisation by domain.
func TestOIDCSettingsAdmin(t *testing.T) {
	e := startOIDC(t)
	admin := e.AdminToken(t)
	helper := e.HelperToken(t)
	var got wire.OIDCSettings
	st, _ := e.Do(t, http.MethodGet, wire.PathAdminOIDC, admin, nil, &got)
	if st != http.StatusOK || got.Issuer != e.idp.Issuer || !got.HasSecret || got.ClientSecret != "" || got.LocalSignIn == nil || !*got.LocalSignIn {
		t.Errorf("GET settings = %d %+v", st, got)
	}
	if st, _ := e.Do(t, http.MethodGet, wire.PathAdminOIDC, helper, nil, nil); st != http.StatusForbidden {
		t.Errorf("helper GET: %d, want 403", st)
	}
	raw := httpGet(t, e.URL+wire.PathAdminOIDC, admin)
	if strings.Contains(raw, oidcSecret) {
		t.Error("the client secret appears in the GET answer")
	}
	for _, bad := range []wire.OIDCSettings{
		{Issuer: "http://idp.example", ClientID: "x"},
		{Issuer: e.idp.Issuer, ClientID: ""},
		{Issuer: e.idp.Issuer, ClientID: "x", AllowedDomain: "not a domain"},
		{Issuer: e.idp.Issuer, ClientID: "x", TenantClaim: "tid"},
	} {
		if st, _ := e.Do(t, http.MethodPut, wire.PathAdminOIDC, admin, bad, nil); st != http.StatusBadRequest {
			t.Errorf("PUT %+v: %d, want 400", bad, st)
		}
	}
	var look wire.OIDCLookupResponse
	e.Do(t, http.MethodGet, wire.PathOIDCLookup+"?email=someone@Contoso.com", "", nil, &look)
	if look.Organization != servertest.OrgName || !look.OIDC || !look.Password {
		t.Errorf("lookup = %+v", look)
	}
	no := false
	e.setProvider(t, wire.OIDCSettings{Issuer: e.idp.Issuer, ClientID: oidcClientID, AllowedDomain: "contoso.com", LocalSignIn: &no})
	if st, werr := e.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: e.HelperEmail, Password: e.HelperPassword}, nil); st != http.StatusForbidden {
		t.Errorf("password sign-in with local sign-in off: %d %+v, want 403", st, werr)
	}
	e.Do(t, http.MethodGet, wire.PathOIDCLookup+"?email=someone@contoso.com", "", nil, &look)
	if look.Password {
		t.Errorf("lookup with local sign-in off = %+v", look)
	}
	e.signInToken(t, kim) // the kept secret still works
	if strings.Contains(e.Logs.String(), oidcSecret) {
		t.Error("the client secret appears in the logs")
	}
}

func httpGet(t *testing.T, u, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(errors.Join(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// consoleSignIn goes from the admin console's start address through the
// provider's login page with c, stopping before the service's callback
// when stop is set, and returns the last answer and its body.
func (e *oidcEnv) consoleSignIn(t *testing.T, c *http.Client, u oidcprovider.User) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(e.URL + wire.PathAdminOIDCStart + "?org=" + url.QueryEscape(servertest.OrgName))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := idField.FindSubmatch(page)
	if m == nil {
		t.Fatalf("console start: %d, no provider login page: %.300s", resp.StatusCode, page)
	}
	resp, err = c.PostForm(resp.Request.URL.Scheme+"://"+resp.Request.URL.Host+"/login/username",
		url.Values{"id": {string(m[1])}, "username": {u.Username}, "password": {u.Password}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestOIDCAdminConsoleSignIn: an administrator signs in to the admin
// console through the provider and the service's own callback and gets the
// console's cookie session; a helper is refused; a provider answer carried
// to another browser (login CSRF) does not sign that browser in.
func TestOIDCAdminConsoleSignIn(t *testing.T) {
	lee := oidcprovider.User{ID: "sub-lee", Username: "lee", Password: "pw", FirstName: "Lee", LastName: "M",
		Email: "lee@contoso.com", EmailVerified: true}
	e := startOIDC(t, kim, lee)
	if err := e.Store.AddPendingAdmin(context.Background(), e.Org.ID, kim.Email); err != nil {
		t.Fatal(err)
	}
	c := browser(t)
	resp, body := e.consoleSignIn(t, c, kim)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="oidc-console-signed-in"`) || !strings.Contains(body, `url=/admin/`) {
		t.Fatalf("console sign-in ended %d: %.300s", resp.StatusCode, body)
	}
	sess, err := c.Get(e.URL + wire.PathAdminSession)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(sess.Body)
	sess.Body.Close()
	if sess.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"email":"kim@contoso.com"`) || !strings.Contains(string(raw), `"role":"admin"`) {
		t.Errorf("console session after the provider sign-in: %d %s", sess.StatusCode, raw)
	}

	// A helper signs in at the provider but gets no console session.
	h := browser(t)
	resp, body = e.consoleSignIn(t, h, lee)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Only administrators") {
		t.Errorf("helper at the console: %d %.300s, want 403", resp.StatusCode, body)
	}

	// Login CSRF: the attacker signs in at the provider but hands the
	// provider's answer to another browser.
	jar, _ := cookiejar.New(nil)
	var callback string
	attacker := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), e.URL+wire.PathOIDCCallback) {
			callback = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	e.consoleSignIn(t, attacker, kim)
	if callback == "" {
		t.Fatal("the provider did not return to the callback")
	}
	victim := browser(t)
	resp, err = victim.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	body2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body2), "no longer valid") {
		t.Errorf("another browser's provider answer: %d %.300s, want 400", resp.StatusCode, body2)
	}
	if u, _ := url.Parse(e.URL); len(victim.Jar.Cookies(u)) != 0 {
		t.Errorf("the victim's browser got cookies: %v", victim.Jar.Cookies(u))
	}
}

// TestOIDCLimits: sign-ins waiting at the provider are bounded and counted
// before the provider is contacted; starts, callbacks and look-ups share a
// per-address budget.
func TestOIDCLimits(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) {
		c.OIDCPendingMax = 2
		c.OIDCRules = []ratelimit.Rule{{Window: time.Minute, Max: 10}}
	})
	idp, err := oidcprovider.Start(oidcprovider.Config{Users: []oidcprovider.User{kim}, Clients: []oidcprovider.Client{
		{ID: oidcClientID, Secret: oidcSecret, RedirectURIs: []string{env.URL + wire.PathOIDCCallback}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	e := &oidcEnv{Env: env, idp: idp}
	e.setProvider(t, wire.OIDCSettings{Issuer: idp.Issuer, ClientID: oidcClientID, ClientSecret: oidcSecret, AllowedDomain: "contoso.com"})
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, want := range []int{http.StatusFound, http.StatusFound, http.StatusTooManyRequests} {
		resp, err := noFollow.Get(e.startURL(newAppStart(), servertest.OrgName))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("start %d with at most 2 waiting: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	// 3 starts counted; 7 more steps are allowed, the 8th is refused.
	for i := range 8 {
		st, werr := e.Do(t, http.MethodGet, wire.PathOIDCLookup+"?email=kim@contoso.com", "", nil, nil)
		want := http.StatusOK
		if i == 7 {
			want = http.StatusTooManyRequests
		}
		if st != want {
			t.Errorf("look-up %d: %d %+v, want %d", i+1, st, werr, want)
		}
	}
}

// TestOIDCRecheckConcurrent: when a token's re-check is due, concurrent
// requests renew the grant once. The provider rotates refresh tokens on
// use, so a second renewal with the old one would look like a revocation
// and sign the helper out.
func TestOIDCRecheckConcurrent(t *testing.T) {
	e := startOIDC(t)
	tok := e.signInToken(t, kim).Token
	e.Clock.Advance(61 * time.Minute)
	const n = 12
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, e.URL+wire.PathAdminOIDC, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c == http.StatusUnauthorized {
			t.Errorf("a concurrent request during the re-check answered 401")
		}
	}
	// Still signed in, and due again only in an hour: the next hour's check
	// renews with the rotated refresh token.
	e.Clock.Advance(61 * time.Minute)
	if st, werr := e.Do(t, http.MethodPost, wire.PathSessions, tok, nil, nil); st != http.StatusCreated && st != http.StatusOK {
		t.Errorf("after the next re-check: %d %+v", st, werr)
	}
}
