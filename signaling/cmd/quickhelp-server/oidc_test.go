package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/oidc"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/test/oidcprovider"
	"github.com/quickhelp/quickhelp/wire"
)

// TestOrgOIDCSetAndSignIn: "org oidc set" and "org admin add" on the data
// directory of a running service; the service then signs the named person
// in through the provider (so the command sealed the secret as the service
// opens it) and makes them admin. The secret is neither printed nor stored
// in clear.
func TestOrgOIDCSetAndSignIn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	addr, done := startServe(t, ctx, dir, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--turn-listen", "off")
	base := "http://" + addr
	const secret = "cli-client-secret-canary"
	idp, err := oidcprovider.Start(oidcprovider.Config{
		Users: []oidcprovider.User{{ID: "sub-1", Username: "robin", Password: "pw", FirstName: "Robin", LastName: "Ito",
			Email: "robin@contoso.com", EmailVerified: true}},
		Clients: []oidcprovider.Client{{ID: "qh", Secret: secret, RedirectURIs: []string{base + wire.PathOIDCCallback}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out := testEnv(nil, "")
	if err := run(ctx, []string{"org", "oidc", "set", "--data", dir, "--org", demoOrg, "--issuer", idp.Issuer, "--client-id", "qh",
		"--client-secret-file", secretFile, "--allowed-domain", "contoso.com"}, e); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"org", "admin", "add", "--data", dir, "--org", demoOrg, "--email", "robin@contoso.com"}, e); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), secret) || !strings.Contains(out.String(), "client-secret=stored") {
		t.Errorf("command output %q: want no secret, and that one is stored", out)
	}
	if err := run(ctx, []string{"org", "oidc", "set", "--data", dir, "--org", demoOrg, "--issuer", "http://idp.example", "--client-id", "x"}, e); err == nil {
		t.Error("plain http issuer off this computer was accepted")
	}

	user := cliSignIn(t, base)
	if user.Email != "robin@contoso.com" || user.Role != wire.RoleAdmin || user.FirstName != "Robin" {
		t.Errorf("signed in as %+v, want Robin, admin", user)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	for _, f := range []string{"quickhelp.db", "quickhelp.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the client secret in clear", f)
		}
	}
	st, err := store.Open(filepath.Join(dir, "quickhelp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := run(context.Background(), []string{"org", "oidc", "set", "--data", dir, "--org", demoOrg, "--issuer", ""}, e); err != nil {
		t.Fatal(err)
	}
	o, _ := st.OrgByName(context.Background(), demoOrg)
	if _, err := st.OIDCConfig(context.Background(), o.ID); err == nil {
		t.Error("--issuer \"\" did not remove the provider")
	}
}

var loginID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// cliSignIn goes through the whole sign-in as the app and the browser do.
func cliSignIn(t *testing.T, base string) wire.User {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	verifier := base64.RawURLEncoding.EncodeToString(b)
	const app = "127.0.0.1:9"
	q := url.Values{"org": {demoOrg}, "redirect_uri": {"http://" + app + "/cb"}, "code_challenge": {oidc.S256(verifier)},
		"code_challenge_method": {"S256"}, "state": {"s1"}}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host == app {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(base + wire.PathOIDCStart + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := loginID.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no provider login page: %d %.300s", resp.StatusCode, page)
	}
	login := resp.Request.URL.Scheme + "://" + resp.Request.URL.Host + "/login/username"
	resp, err = c.PostForm(login, url.Values{"id": {string(m[1])}, "username": {"robin"}, "password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("sign-in ended %d at %q, want a redirect to the app with a code", resp.StatusCode, resp.Header.Get("Location"))
	}
	var res wire.LoginResponse
	if st := post(t, base+wire.PathOIDCToken, "", wire.OIDCTokenRequest{Code: loc.Query().Get("code"), CodeVerifier: verifier}, &res); st != http.StatusOK {
		t.Fatalf("token: %d", st)
	}
	return res.User
}
