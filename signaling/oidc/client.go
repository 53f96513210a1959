package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Org is an organisation's provider as the service uses it.
type Org struct {
	Issuer        string
	ClientID      string
	ClientSecret  string
	AllowedDomain string // lower case; empty: no domain rule
	TenantClaim   string // "claim=value"; empty: none
}

// Identity is the person the provider vouched for.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	GivenName     string
	FamilyName    string
}

// Grant is what the service keeps to re-check the person later: the
// refresh token when the provider gave one, else the access token for its
// userinfo endpoint.
type Grant struct {
	RefreshToken string    `json:"rt,omitempty"`
	AccessToken  string    `json:"at,omitempty"`
	Expiry       time.Time `json:"exp"`
	Subject      string    `json:"sub"`
}

// Config configures a Client.
type Config struct {
	// HTTPClient makes the calls to providers; optional, nil means a client
	// with a 10 s timeout.
	HTTPClient *http.Client
	// MaxProviders bounds the discovery cache; default 256.
	MaxProviders int
	// Rediscover is how long a discovery document is used; default 1 h.
	Rediscover time.Duration
}

// Client talks to organisations' providers. It caches each issuer's
// discovery document and key set (go-oidc fetches new keys when a token is
// signed with one it does not know, so key rotation needs nothing here).
type Client struct {
	cfg Config

	// mu guards providers.
	mu        sync.Mutex
	providers map[string]cachedProvider
}

type cachedProvider struct {
	p       *gooidc.Provider
	fetched time.Time
	scopes  []string
}

// New returns a Client.
func New(cfg Config) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxProviders <= 0 {
		cfg.MaxProviders = 256
	}
	if cfg.Rediscover <= 0 {
		cfg.Rediscover = time.Hour
	}
	return &Client{cfg: cfg, providers: map[string]cachedProvider{}}
}

func (c *Client) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, c.cfg.HTTPClient)
}

// provider returns the issuer's discovered provider. go-oidc refuses a
// discovery document whose issuer differs from the configured one (as
// Entra ID's "common" endpoint's does).
func (c *Client) provider(ctx context.Context, issuer string) (cachedProvider, error) {
	c.mu.Lock()
	cp, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok && time.Since(cp.fetched) < c.cfg.Rediscover {
		return cp, nil
	}
	p, err := gooidc.NewProvider(c.ctx(ctx), issuer)
	if err != nil {
		return cachedProvider{}, fmt.Errorf("%w: %w", ErrProvider, err)
	}
	var meta struct {
		Scopes []string `json:"scopes_supported"`
	}
	_ = p.Claims(&meta)
	cp = cachedProvider{p: p, fetched: time.Now(), scopes: meta.Scopes}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.providers) >= c.cfg.MaxProviders {
		for k := range c.providers { // evict any one: the map is only a cache
			delete(c.providers, k)
			break
		}
	}
	c.providers[issuer] = cp
	return cp, nil
}

func (c *Client) oauth(cp cachedProvider, o Org, callbackURL string) *oauth2.Config {
	scopes := []string{gooidc.ScopeOpenID, "email", "profile"}
	if slices.Contains(cp.scopes, gooidc.ScopeOfflineAccess) {
		scopes = append(scopes, gooidc.ScopeOfflineAccess)
	}
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: cp.p.Endpoint(),
		RedirectURL: callbackURL, Scopes: scopes}
}

// AuthURL is the provider's authorisation URL for one sign-in: the
// service's own state, nonce and PKCE S256 challenge of verifier.
func (c *Client) AuthURL(ctx context.Context, o Org, callbackURL, state, nonce, verifier string) (string, error) {
	cp, err := c.provider(ctx, o.Issuer)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if cp.p.Endpoint().AuthURL != "" && strings.HasPrefix(o.Issuer, "https://accounts.google.com") {
		// Google gives a refresh token only when asked this way.
		opts = append(opts, oauth2.AccessTypeOffline)
	}
	return c.oauth(cp, o, callbackURL).AuthCodeURL(state, opts...), nil
}

// claims are the ID token and userinfo claims the service reads.
type claims struct {
	Subject       string `json:"sub"`
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
	Name          string `json:"name"`
	// DomainVerified is Entra ID's optional xms_edov claim: the e-mail's
	// domain is verified by the tenant that owns it. Entra ID sends no
	// email_verified.
	DomainVerified any `json:"xms_edov"`
}

func (c claims) emailVerified() bool {
	if c.EmailVerified != nil {
		return *c.EmailVerified
	}
	switch v := c.DomainVerified.(type) {
	case bool:
		return v
	case string:
		return v == "1" || strings.EqualFold(v, "true")
	}
	return false
}

// Exchange completes a sign-in at the callback: trades the code (with the
// PKCE verifier) for tokens, verifies the ID token and its nonce, fills
// missing e-mail and names from the userinfo endpoint, and applies the
// organisation's tenant and domain rules.
func (c *Client) Exchange(ctx context.Context, o Org, callbackURL, code, verifier, nonce string) (Identity, Grant, error) {
	cp, err := c.provider(ctx, o.Issuer)
	if err != nil {
		return Identity{}, Grant{}, err
	}
	ctx = c.ctx(ctx)
	tok, err := c.oauth(cp, o, callbackURL).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, Grant{}, fmt.Errorf("%w: %w", ErrExchange, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, Grant{}, fmt.Errorf("%w: no id_token in the answer", ErrIDToken)
	}
	idt, err := cp.p.Verifier(&gooidc.Config{ClientID: o.ClientID}).Verify(ctx, raw)
	if err != nil {
		return Identity{}, Grant{}, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if idt.Nonce != nonce {
		return Identity{}, Grant{}, fmt.Errorf("%w: nonce does not match", ErrIDToken)
	}
	var cl claims
	var all map[string]any
	if err := idt.Claims(&cl); err != nil {
		return Identity{}, Grant{}, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if err := idt.Claims(&all); err != nil {
		return Identity{}, Grant{}, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if cl.Email == "" || (cl.EmailVerified == nil && cl.DomainVerified == nil) || (cl.GivenName == "" && cl.FamilyName == "") {
		if err := c.fillFromUserinfo(ctx, cp, tok, idt.Subject, &cl); err != nil {
			return Identity{}, Grant{}, err
		}
	}
	id := Identity{Issuer: idt.Issuer, Subject: idt.Subject, Email: strings.TrimSpace(cl.Email),
		EmailVerified: cl.emailVerified(), GivenName: cl.GivenName, FamilyName: cl.FamilyName}
	if id.GivenName == "" && id.FamilyName == "" && cl.Name != "" {
		first, last, _ := strings.Cut(strings.TrimSpace(cl.Name), " ")
		id.GivenName, id.FamilyName = first, strings.TrimSpace(last)
	}
	if err := checkRules(o, id, all); err != nil {
		return Identity{}, Grant{}, err
	}
	return id, Grant{RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken, Expiry: tok.Expiry, Subject: id.Subject}, nil
}

// fillFromUserinfo adds what the ID token lacked (Entra ID tokens carry no
// names by default) from the userinfo endpoint, whose subject must be the
// token's.
func (c *Client) fillFromUserinfo(ctx context.Context, cp cachedProvider, tok *oauth2.Token, subject string, cl *claims) error {
	if cp.p.UserInfoEndpoint() == "" {
		return nil
	}
	ui, err := cp.p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("%w: userinfo: %w", ErrProvider, err)
	}
	var u claims
	if err := ui.Claims(&u); err != nil {
		return fmt.Errorf("%w: userinfo: %w", ErrProvider, err)
	}
	if u.Subject != subject {
		return fmt.Errorf("%w: userinfo subject differs from the ID token's", ErrIDToken)
	}
	if cl.Email == "" {
		cl.Email, cl.EmailVerified = u.Email, u.EmailVerified
	} else if cl.EmailVerified == nil && strings.EqualFold(cl.Email, u.Email) {
		cl.EmailVerified = u.EmailVerified
	}
	if cl.GivenName == "" && cl.FamilyName == "" {
		cl.GivenName, cl.FamilyName = u.GivenName, u.FamilyName
	}
	if cl.Name == "" {
		cl.Name = u.Name
	}
	return nil
}

// checkRules applies the organisation's membership rule. With a tenant
// claim, the provider's claim is the proof and the domain only finds the
// organisation at sign-in (Entra ID tokens carry no email_verified).
// Without one, the e-mail must be in the domain and verified by the
// provider: an unverified address proves nothing about who owns it.
func checkRules(o Org, id Identity, all map[string]any) error {
	claim, want, err := ParseTenantClaim(o.TenantClaim)
	if err != nil {
		return err
	}
	if claim != "" {
		got, _ := all[claim].(string)
		if got != want {
			return fmt.Errorf("%w: tenant claim %s does not match", ErrNotAllowed, claim)
		}
		return nil
	}
	if o.AllowedDomain != "" {
		if !id.EmailVerified {
			return fmt.Errorf("%w: e-mail not verified by the provider", ErrNotAllowed)
		}
		if EmailDomain(id.Email) != strings.ToLower(o.AllowedDomain) {
			return fmt.Errorf("%w: e-mail domain", ErrNotAllowed)
		}
	}
	return nil
}

// Recheck asks the provider whether the person may still sign in: with a
// refresh token it renews the grant (a new ID token must be for the same
// subject), else it asks the userinfo endpoint with the access token. A
// refusal by the provider is ErrRevoked; an unreachable provider
// ErrProvider.
func (c *Client) Recheck(ctx context.Context, o Org, g Grant) (Grant, error) {
	cp, err := c.provider(ctx, o.Issuer)
	if err != nil {
		return g, err
	}
	ctx = c.ctx(ctx)
	if g.RefreshToken == "" {
		ui, err := cp.p.UserInfo(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: g.AccessToken, TokenType: "Bearer"}))
		if err != nil || ui.Subject != g.Subject {
			return g, fmt.Errorf("%w: userinfo: %v", ErrRevoked, err)
		}
		return g, nil
	}
	src := c.oauth(cp, o, "").TokenSource(ctx, &oauth2.Token{RefreshToken: g.RefreshToken, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return g, fmt.Errorf("%w: %w", ErrRevoked, err)
	}
	if err != nil {
		return g, fmt.Errorf("%w: %w", ErrProvider, err)
	}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		idt, err := cp.p.Verifier(&gooidc.Config{ClientID: o.ClientID}).Verify(ctx, raw)
		if err != nil {
			return g, fmt.Errorf("%w: %w", ErrRevoked, err)
		}
		if idt.Subject != g.Subject {
			return g, fmt.Errorf("%w: renewed ID token for another subject", ErrRevoked)
		}
	}
	next := Grant{RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken, Expiry: tok.Expiry, Subject: g.Subject}
	if next.RefreshToken == "" {
		next.RefreshToken = g.RefreshToken
	}
	return next, nil
}

// MarshalGrant and UnmarshalGrant turn a grant into bytes for sealing.
func MarshalGrant(g Grant) []byte {
	b, _ := json.Marshal(g)
	return b
}

// UnmarshalGrant is the reverse of MarshalGrant.
func UnmarshalGrant(b []byte) (Grant, error) {
	var g Grant
	if err := json.Unmarshal(b, &g); err != nil {
		return Grant{}, fmt.Errorf("%w: %w", ErrSealed, err)
	}
	return g, nil
}
