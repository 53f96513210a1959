package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/test/oidcprovider"
	"github.com/quickhelp/quickhelp/wire"
)

// refusedWith checks that a sign-in refused at the service's callback was
// sent back to the app's loopback address with the reason and the app's
// state, and nothing else.
func refusedWith(t *testing.T, resp *http.Response, body string, a appStart, want wire.Reason) {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("refused sign-in ended with %d, want a redirect to the app: %.400s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), a.redirect+"?") {
		t.Fatalf("redirect to %q, want the app's %s", resp.Header.Get("Location"), a.redirect)
	}
	q := loc.Query()
	if q.Get("error") != string(want) || q.Get("state") != a.state || len(q) != 2 {
		t.Errorf("redirect query %q: want only error=%s and the app's state", loc.RawQuery, want)
	}
}

// atProvider starts a sign-in with a client that stops at every redirect
// and returns it with the service's own state, as the provider sees it.
func atProvider(t *testing.T, start string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.Get(start)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("state") == "" {
		t.Fatalf("start: %d to %q, want a redirect to the provider with a state", resp.StatusCode, resp.Header.Get("Location"))
	}
	return c, loc.Query().Get("state")
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestOIDCRefusalGoesBackToApp: when the service refuses a sign-in it
// matched (the provider answered with an error, the person is not in the
// organisation, suspended, or the organisation was turned off meanwhile),
// the browser goes back to the app with the reason, so the app stops
// waiting; the sign-in is used up. A callback it cannot match, and a
// console sign-in, which has no app, keep the service's own page.
func TestOIDCRefusalGoesBackToApp(t *testing.T) {
	pat := oidcprovider.User{ID: "sub-pat", Username: "pat", Password: "pw", FirstName: "Pat", LastName: "F",
		Email: "pat@fabrikam.example", EmailVerified: true}
	e := startOIDC(t, kim, pat)
	ctx := context.Background()
	t.Run("provider denies", func(t *testing.T) {
		a := newAppStart()
		c, state := atProvider(t, e.startURL(a, servertest.OrgName))
		cb := e.URL + wire.PathOIDCCallback + "?" + url.Values{"error": {"access_denied"},
			"error_description": {"The user cancelled <secret detail>"}, "state": {state}}.Encode()
		resp, body := get(t, c, cb)
		refusedWith(t, resp, body, a, wire.ReasonSSOFailed)
		if logs := e.Logs.String(); !strings.Contains(logs, `"error":"access_denied"`) || strings.Contains(logs, "secret detail") {
			t.Errorf("log of the provider's error: want its code and not its description:\n%s", logs)
		}
		resp, body = get(t, c, cb)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no longer valid") {
			t.Errorf("the same callback again: %d %.300s, want the 400 page (the sign-in is used up)", resp.StatusCode, body)
		}
	})
	t.Run("not in the organisation", func(t *testing.T) {
		a := newAppStart()
		resp, body := e.signIn(t, a, pat)
		refusedWith(t, resp, body, a, wire.ReasonSSONotAllowed)
	})
	t.Run("helper suspended", func(t *testing.T) {
		u := e.signInToken(t, kim).User
		if err := e.Store.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		defer e.Store.SetUserDisabled(ctx, u.ID, false)
		a := newAppStart()
		resp, body := e.signIn(t, a, kim)
		refusedWith(t, resp, body, a, wire.ReasonHelperSuspended)
	})
	t.Run("organisation turned off meanwhile", func(t *testing.T) {
		a := newAppStart()
		resp, body := e.signInAfter(t, a, kim, func() {
			if err := e.Store.SetOrgDisabled(ctx, e.Org.ID, true); err != nil {
				t.Fatal(err)
			}
		})
		defer e.Store.SetOrgDisabled(ctx, e.Org.ID, false)
		refusedWith(t, resp, body, a, wire.ReasonOrgDisabled)
	})
	t.Run("foreign state with an error", func(t *testing.T) {
		resp, body := get(t, browser(t), e.URL+wire.PathOIDCCallback+"?error=access_denied&state=someone-elses")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no longer valid") {
			t.Errorf("error callback with a foreign state: %d %.300s, want the 400 page", resp.StatusCode, body)
		}
	})
	t.Run("console sign-in keeps the page", func(t *testing.T) {
		c, state := atProvider(t, e.URL+wire.PathAdminOIDCStart+"?org="+url.QueryEscape(servertest.OrgName))
		resp, body := get(t, c, e.URL+wire.PathOIDCCallback+"?error=access_denied&state="+url.QueryEscape(state))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Sign-in was cancelled") {
			t.Errorf("console sign-in denied at the provider: %d %.300s, want the 403 page", resp.StatusCode, body)
		}
	})
}
