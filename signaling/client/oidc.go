package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/quickhelp/quickhelp/wire"
)

// SignInOptions asks how the people of an e-mail's domain sign in: the
// organisation that claimed the domain, whether it has a provider, and
// whether passwords are allowed.
func (c *Client) SignInOptions(ctx context.Context, email string) (wire.OIDCLookupResponse, error) {
	var out wire.OIDCLookupResponse
	u, err := url.Parse(endpoint(c.base, wire.PathOIDCLookup, ""))
	if err != nil {
		return out, fmt.Errorf("client: build request: %w", err)
	}
	u.RawQuery = url.Values{"email": {email}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return out, fmt.Errorf("client: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return out, fmt.Errorf("client: lookup: %w", ctxErr)
		}
		return out, fmt.Errorf("%w: lookup: %w", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	limited := io.LimitReader(resp.Body, maxResponseBytes)
	if resp.StatusCode != http.StatusOK {
		return out, c.apiError(resp.StatusCode, resp.Header, limited)
	}
	if err := json.NewDecoder(limited).Decode(&out); err != nil {
		return out, fmt.Errorf("%w: lookup: %w", ErrBadResponse, err)
	}
	return out, nil
}

// OIDCStartURL is the address the system browser opens to sign in with the
// organisation's provider: the service sends it on to the provider and, at
// the end, to redirectURI (the app's loopback listener) with a one-time
// code and state.
func (c *Client) OIDCStartURL(org, redirectURI, codeChallenge, state string) string {
	u, _ := url.Parse(endpoint(c.base, wire.PathOIDCStart, ""))
	u.RawQuery = url.Values{"org": {org}, "redirect_uri": {redirectURI}, "code_challenge": {codeChallenge},
		"code_challenge_method": {"S256"}, "state": {state}}.Encode()
	return u.String()
}

// OIDCToken trades the one-time code and the PKCE verifier for a sign-in
// token, as Login does with a password.
func (c *Client) OIDCToken(ctx context.Context, code, verifier string) (wire.LoginResponse, error) {
	var out wire.LoginResponse
	err := c.do(ctx, http.MethodPost, wire.PathOIDCToken, "", "", wire.OIDCTokenRequest{Code: code, CodeVerifier: verifier}, &out)
	return out, err
}
