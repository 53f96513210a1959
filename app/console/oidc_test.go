package console

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/bridge/bridgetest"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/test/oidcprovider"
	"github.com/quickhelp/quickhelp/wire"
)

// scriptedBrowser stands in for the system browser at the OS boundary: it
// opens the URL with a cookie-keeping HTTP client, fills in the real
// provider's login page and follows every redirect, including the last one
// to the app's loopback listener.
type scriptedBrowser struct {
	user, password string
	wg             sync.WaitGroup
	mu             sync.Mutex
	lastPage       string
	opened         []string
	idle           bool // open nothing (the person never signs in)
}

var loginIDField = regexp.MustCompile(`name="id" value="([^"]+)"`)

func (b *scriptedBrowser) Open(_ context.Context, u string) error {
	b.mu.Lock()
	b.opened = append(b.opened, u)
	b.mu.Unlock()
	if b.idle {
		return nil
	}
	b.wg.Go(func() {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
		resp, err := c.Get(u)
		if err != nil {
			return
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := loginIDField.FindSubmatch(page)
		if m == nil {
			b.setPage(string(page))
			return
		}
		login := resp.Request.URL.Scheme + "://" + resp.Request.URL.Host + "/login/username"
		resp, err = c.PostForm(login, url.Values{"id": {string(m[1])}, "username": {b.user}, "password": {b.password}})
		if err != nil {
			return
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		b.setPage(string(page))
	})
	return nil
}

func (b *scriptedBrowser) setPage(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastPage = p
}

func (b *scriptedBrowser) page() string {
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastPage
}

func startProvider(t *testing.T, more ...oidcprovider.User) (*servertest.Env, *oidcprovider.Provider) {
	t.Helper()
	env := servertest.Start(t)
	idp, err := oidcprovider.Start(oidcprovider.Config{
		Users: append([]oidcprovider.User{{ID: "sub-kim", Username: "kim", Password: "kim-pw", FirstName: "Kim", LastName: "Lee",
			Email: "kim@contoso.com", EmailVerified: true}}, more...),
		Clients: []oidcprovider.Client{{ID: "qh", Secret: "qh-secret", RedirectURIs: []string{env.URL + wire.PathOIDCCallback}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Close() })
	in := wire.OIDCSettings{Issuer: idp.Issuer, ClientID: "qh", ClientSecret: "qh-secret", AllowedDomain: "contoso.com"}
	if st, werr := env.Do(t, http.MethodPut, wire.PathAdminOIDC, env.AdminToken(t), in, nil); st != http.StatusOK {
		t.Fatalf("set provider: %d %+v", st, werr)
	}
	return env, idp
}

// TestControllerSignInWithOrganisation: the page looks the e-mail up, asks
// to sign in with the organisation, the system browser goes through the
// provider, and the app ends signed in; sign-out revokes the token.
func TestControllerSignInWithOrganisation(t *testing.T) {
	env, _ := startProvider(t)
	sink := &bridgetest.Sink{}
	browser := &scriptedBrowser{user: "kim", password: "kim-pw"}
	c, err := NewController(ControllerConfig{Sink: sink, Server: env.URL, Browser: browser})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeSignInLookup, Email: "kim@contoso.com"})
	opts := sink.WaitEvent(t, "sign-in options", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeSignInOptions })
	if want := (wire.BridgeSignIn{Email: "kim@contoso.com", Organization: servertest.OrgName, OIDC: true, Password: true}); *opts.SignIn != want {
		t.Errorf("sign-in options = %+v, want %+v", *opts.SignIn, want)
	}
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeLoginOIDC, Org: opts.SignIn.Organization})
	home := sink.WaitEvent(t, "signed in", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.State == wire.UIStateHome
	})
	if home.Status.UserName != "Kim L." {
		t.Errorf("signed in as %q, want Kim L.", home.Status.UserName)
	}
	if p := browser.page(); !strings.Contains(p, "You are signed in") {
		t.Errorf("the browser's last page: %.300q", p)
	}
	if !strings.HasPrefix(browser.opened[0], env.URL+wire.PathOIDCStart+"?") || !strings.Contains(browser.opened[0], "redirect_uri=http%3A%2F%2F127.0.0.1%3A") {
		t.Errorf("opened %q: want the service's start address with a loopback redirect", browser.opened[0])
	}
	var bearer string
	if err := c.q.Do(context.Background(), func() error { bearer = c.bearer; return nil }); err != nil {
		t.Fatal(err)
	}
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeLogout})
	sink.WaitEvent(t, "signed out", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.State == wire.UIStateSignedOut
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := env.Do(t, http.MethodPost, wire.PathSessions, bearer, nil, nil)
		if st == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token after sign-out still answers %d", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestControllerSignInCancelAndForeignState: a sign-in waiting for the
// browser can be cancelled; a request to the loopback listener without the
// sign-in's state is refused and does not sign anyone in.
func TestControllerSignInCancelAndForeignState(t *testing.T) {
	c, sink, start := startIdleSignIn(t)
	redirect := start.Query().Get("redirect_uri")
	resp, err := http.Get(redirect + "?code=stolen&state=not-this-one")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("loopback with a foreign state: %d, want 400", resp.StatusCode)
	}
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeCancel})
	sink.WaitEvent(t, "signed out after cancel", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.State == wire.UIStateSignedOut
	})
	if _, err := http.Get(redirect); err == nil {
		t.Error("the loopback listener still answers after the sign-in was cancelled")
	}
	if d := sink.Dump(); strings.Contains(d, `"type":"error"`) {
		t.Errorf("cancelling showed an error: %s", d)
	}
}

// startIdleSignIn starts an organisation sign-in whose browser opens the
// provider's address and does nothing more; it returns the controller (closed
// at the end of the test), its events and the address the browser was given.
func startIdleSignIn(t *testing.T) (*Controller, *bridgetest.Sink, *url.URL) {
	t.Helper()
	env, _ := startProvider(t)
	sink := &bridgetest.Sink{}
	browser := &scriptedBrowser{idle: true}
	c, err := NewController(ControllerConfig{Sink: sink, Server: env.URL, Browser: browser})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeLoginOIDC, Org: servertest.OrgName})
	sink.WaitEvent(t, "signing in", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.State == wire.UIStateSigningIn
	})
	browser.mu.Lock()
	start, err := url.Parse(browser.opened[0])
	browser.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	return c, sink, start
}
