// Package oidc signs people in with their organisation's OpenID Connect
// provider for the QuickHelp service: discovery, the authorisation code
// flow with PKCE, ID token verification (signature, iss, aud, exp, nonce)
// and key rotation are go-oidc's and x/oauth2's; this package adds the
// organisation's rules (tenant claim, verified e-mail domain), names from
// the userinfo endpoint when the token lacks them, the re-check at token
// renewal, and sealing of what the service must keep.
package oidc

import "errors"

var (
	// ErrProvider means the provider could not be reached or its discovery
	// document is not valid for the configured issuer.
	ErrProvider = errors.New("oidc: provider unavailable")
	// ErrExchange means the provider refused the authorisation code.
	ErrExchange = errors.New("oidc: code exchange refused")
	// ErrIDToken means the ID token is not valid for this organisation:
	// another issuer or audience, expired, bad signature or nonce.
	ErrIDToken = errors.New("oidc: ID token not valid")
	// ErrNotAllowed means the person does not match the organisation's
	// rules: tenant claim, e-mail domain or unverified e-mail.
	ErrNotAllowed = errors.New("oidc: not allowed by the organisation's rules")
	// ErrRevoked means the provider no longer accepts the person's grant.
	ErrRevoked = errors.New("oidc: provider grant revoked")
	// ErrSealed means sealed data could not be opened.
	ErrSealed = errors.New("oidc: sealed data not valid")
	// ErrConfig means a configuration value is not valid.
	ErrConfig = errors.New("oidc: invalid configuration")
)
