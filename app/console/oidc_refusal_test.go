package console

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/app/bridge/bridgetest"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/test/oidcprovider"
	"github.com/quickhelp/quickhelp/wire"
)

func isError(e wire.BridgeEvent) bool { return e.Type == wire.BridgeError }

// TestControllerSignInRefusedByService: the person signs in at the real
// provider but does not belong to the organisation; the service sends the
// browser back to the app's loopback address with the reason, the tab says
// it, and the controller leaves signing-in at once with that reason, with
// nobody clicking Cancel.
func TestControllerSignInRefusedByService(t *testing.T) {
	pat := oidcprovider.User{ID: "sub-pat", Username: "pat", Password: "pat-pw", FirstName: "Pat", LastName: "F",
		Email: "pat@fabrikam.example", EmailVerified: true}
	env, _ := startProvider(t, pat)
	sink := &bridgetest.Sink{}
	browser := &scriptedBrowser{user: "pat", password: "pat-pw"}
	c, err := NewController(ControllerConfig{Sink: sink, Server: env.URL, Browser: browser})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeLoginOIDC, Org: servertest.OrgName})
	var page string
	for deadline := time.Now().Add(20 * time.Second); page == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the browser did not come back to the app: %s", sink.Dump())
		}
		browser.mu.Lock()
		page = browser.lastPage
		browser.mu.Unlock()
	}
	back := time.Now() // the browser is back at the app's loopback page
	ev := sink.WaitEvent(t, "the refusal", isError)
	if d := time.Since(back); d > time.Second {
		t.Errorf("the controller showed the refusal %v after the browser came back, want within 1 s", d)
	}
	if ev.Reason != wire.ReasonSSONotAllowed {
		t.Errorf("error reason %q (%q), want %q", ev.Reason, ev.Message, wire.ReasonSSONotAllowed)
	}
	sink.WaitEvent(t, "signed out", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.State == wire.UIStateSignedOut
	})
	if !strings.Contains(page, `data-testid="app-sign-in-refused"`) || !strings.Contains(page, wire.ReasonSSONotAllowed.Text()) ||
		!strings.Contains(page, wire.ReasonSSONotAllowed.TextJa()) || !strings.Contains(page, "close this tab") {
		t.Errorf("the browser's last page: %.600q", page)
	}
}

// TestControllerSignInErrorRedirect: an error redirect to the loopback
// listener counts only with this sign-in's state (a foreign one is refused
// and changes nothing); an error the app does not know reads as
// sso-failed, in the tab and on the screen.
func TestControllerSignInErrorRedirect(t *testing.T) {
	_, sink, start := startIdleSignIn(t)
	redirect, state := start.Query().Get("redirect_uri"), start.Query().Get("state")
	load := func(q url.Values) (int, string) {
		t.Helper()
		resp, err := http.Get(redirect + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := load(url.Values{"error": {"helper-suspended"}, "state": {"not-this-one"}}); st != http.StatusBadRequest {
		t.Errorf("error redirect with a foreign state: %d, want 400", st)
	}
	time.Sleep(100 * time.Millisecond)
	if d := sink.Dump(); strings.Contains(d, `"type":"error"`) {
		t.Fatalf("a foreign state's error was shown: %s", d)
	}
	st, page := load(url.Values{"error": {"<b>brand-new</b>"}, "state": {state}})
	if st != http.StatusForbidden || !strings.Contains(page, wire.ReasonSSOFailed.Text()) || strings.Contains(page, "brand-new") {
		t.Errorf("error redirect with this sign-in's state: %d %.400q, want 403 with the sso-failed text", st, page)
	}
	if ev := sink.WaitEvent(t, "the refusal", isError); ev.Reason != wire.ReasonSSOFailed {
		t.Errorf("error reason %q, want %q", ev.Reason, wire.ReasonSSOFailed)
	}
	sink.WaitEvent(t, "signed out", func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeState && e.Status.State == wire.UIStateSignedOut
	})
}
