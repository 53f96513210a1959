package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sign-in with an organisation's OpenID Connect provider. Secrets (the
// client secret, the service's own PKCE verifier, the provider's refresh
// and access tokens) arrive here already sealed by the caller; states and
// one-time codes arrive as hashes. The schema is migration 3 (migrate.go),
// with the type tokens of dialect.go.
const oidcSchema = `
CREATE TABLE IF NOT EXISTS org_oidc (
	org_id TEXT PRIMARY KEY REFERENCES orgs(id),
	issuer TEXT NOT NULL,
	client_id TEXT NOT NULL,
	client_secret {{blob}} NOT NULL,
	allowed_domain TEXT UNIQUE,
	tenant_claim TEXT NOT NULL DEFAULT '',
	local_sign_in {{bool}} NOT NULL DEFAULT TRUE
);
CREATE TABLE IF NOT EXISTS oidc_identities (
	issuer TEXT NOT NULL,
	subject TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES users(id),
	PRIMARY KEY (issuer, subject)
);
CREATE TABLE IF NOT EXISTS oidc_pending_admins (
	org_id TEXT NOT NULL REFERENCES orgs(id),
	email TEXT NOT NULL,
	PRIMARY KEY (org_id, email)
);
CREATE TABLE IF NOT EXISTS oidc_pending (
	state_hash TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	redirect_uri TEXT NOT NULL,
	app_state TEXT NOT NULL,
	code_challenge TEXT NOT NULL,
	nonce TEXT NOT NULL,
	callback_url TEXT NOT NULL,
	verifier {{blob}} NOT NULL,
	expires_at {{int}} NOT NULL
);
CREATE INDEX IF NOT EXISTS oidc_pending_expiry ON oidc_pending(expires_at);
CREATE TABLE IF NOT EXISTS oidc_codes (
	code_hash TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users(id),
	code_challenge TEXT NOT NULL,
	grant_blob {{blob}} NOT NULL,
	expires_at {{int}} NOT NULL
);
CREATE INDEX IF NOT EXISTS oidc_codes_expiry ON oidc_codes(expires_at);
CREATE TABLE IF NOT EXISTS oidc_grants (
	token_hash TEXT PRIMARY KEY REFERENCES auth_tokens(token_hash) ON DELETE CASCADE,
	org_id TEXT NOT NULL,
	grant_blob {{blob}} NOT NULL,
	recheck_at {{int}} NOT NULL
);
`

// OIDCConfig is an organisation's OpenID Connect provider.
type OIDCConfig struct {
	OrgID         string
	Issuer        string
	ClientID      string
	SealedSecret  []byte // nil in SetOIDCConfig: keep the stored one
	AllowedDomain string // lower case; empty: no domain rule
	TenantClaim   string // "claim=value"; empty: none
	LocalSignIn   bool   // the organisation's people may also use passwords
}

// SetOIDCConfig creates or replaces an organisation's provider. A nil
// SealedSecret keeps the stored secret (ErrNotFound when there is none);
// ErrConflict means another organisation already owns AllowedDomain.
func (s *Store) SetOIDCConfig(ctx context.Context, c OIDCConfig) error {
	domain := sql.NullString{String: strings.ToLower(c.AllowedDomain), Valid: c.AllowedDomain != ""}
	var res sql.Result
	var err error
	if c.SealedSecret == nil {
		res, err = s.db.ExecContext(ctx, `UPDATE org_oidc SET issuer=?, client_id=?, allowed_domain=?, tenant_claim=?, local_sign_in=?
			WHERE org_id=?`, c.Issuer, c.ClientID, domain, c.TenantClaim, c.LocalSignIn, c.OrgID)
	} else {
		res, err = s.db.ExecContext(ctx, `INSERT INTO org_oidc(org_id, issuer, client_id, client_secret, allowed_domain, tenant_claim, local_sign_in)
			VALUES(?,?,?,?,?,?,?) ON CONFLICT(org_id) DO UPDATE SET issuer=excluded.issuer, client_id=excluded.client_id,
			client_secret=excluded.client_secret, allowed_domain=excluded.allowed_domain, tenant_claim=excluded.tenant_claim,
			local_sign_in=excluded.local_sign_in`,
			c.OrgID, c.Issuer, c.ClientID, c.SealedSecret, domain, c.TenantClaim, c.LocalSignIn)
	}
	if isUnique(err) {
		return fmt.Errorf("%w: e-mail domain belongs to another organisation", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: set oidc: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteOIDCConfig removes an organisation's provider (its people keep
// their accounts; only passwords sign them in afterwards).
func (s *Store) DeleteOIDCConfig(ctx context.Context, orgID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM org_oidc WHERE org_id=?`, orgID); err != nil {
		return fmt.Errorf("store: delete oidc: %w", err)
	}
	return nil
}

const oidcColumns = `org_id, issuer, client_id, client_secret, allowed_domain, tenant_claim, local_sign_in`

func scanOIDC(row scanner) (OIDCConfig, error) {
	var c OIDCConfig
	var domain sql.NullString
	if err := row.Scan(&c.OrgID, &c.Issuer, &c.ClientID, &c.SealedSecret, &domain, &c.TenantClaim, &c.LocalSignIn); err != nil {
		return OIDCConfig{}, fmt.Errorf("store: oidc: %w", notFound(err))
	}
	c.AllowedDomain = domain.String
	return c, nil
}

// OIDCConfig returns an organisation's provider; ErrNotFound when it has none.
func (s *Store) OIDCConfig(ctx context.Context, orgID string) (OIDCConfig, error) {
	return scanOIDC(s.db.QueryRowContext(ctx, `SELECT `+oidcColumns+` FROM org_oidc WHERE org_id=?`, orgID))
}

// OIDCConfigByDomain returns the provider of the organisation that owns an
// e-mail domain.
func (s *Store) OIDCConfigByDomain(ctx context.Context, domain string) (OIDCConfig, error) {
	return scanOIDC(s.db.QueryRowContext(ctx, `SELECT `+oidcColumns+` FROM org_oidc WHERE allowed_domain=?`, strings.ToLower(domain)))
}

// LocalSignIn says whether an organisation's people may sign in with a
// password: yes unless its provider setting says otherwise.
func (s *Store) LocalSignIn(ctx context.Context, orgID string) (bool, error) {
	c, err := s.OIDCConfig(ctx, orgID)
	if errors.Is(err, ErrNotFound) {
		return true, nil
	}
	return c.LocalSignIn, err
}

// UserByIdentity returns the user linked to a provider's subject.
func (s *Store) UserByIdentity(ctx context.Context, issuer, subject string) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM oidc_identities i
		JOIN users u ON u.id=i.user_id JOIN orgs o ON o.id=u.org_id
		WHERE i.issuer=? AND i.subject=?`, issuer, subject))
}

// CreateOIDCUser creates a user (with no password) and links it to the
// provider's subject, in one transaction. ErrConflict: the e-mail or the
// identity is taken.
func (s *Store) CreateOIDCUser(ctx context.Context, u User, issuer, subject string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: create oidc user: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO users(id, org_id, email, first_name, last_name, role, password_hash, disabled, created_at)
		VALUES(?,?,?,?,?,?,?,?,?)`, u.ID, u.OrgID, u.Email, u.FirstName, u.LastName, u.Role, "", u.Disabled, ms(u.CreatedAt))
	if err == nil {
		_, err = tx.ExecContext(ctx, `INSERT INTO oidc_identities(issuer, subject, user_id) VALUES(?,?,?)`, issuer, subject, u.ID)
	}
	if isUnique(err) {
		return fmt.Errorf("%w: e-mail or identity", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create oidc user: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: create oidc user: %w", err)
	}
	return nil
}

// AddPendingAdmin names the e-mail of a future administrator of an
// organisation: whoever first signs in through its provider with that
// verified e-mail becomes admin.
func (s *Store) AddPendingAdmin(ctx context.Context, orgID, email string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO oidc_pending_admins(org_id, email) VALUES(?,?)`, orgID, strings.ToLower(email))
	if isUnique(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: pending admin: %w", err)
	}
	return nil
}

// TakePendingAdmin removes a pending administrator and reports whether
// there was one.
func (s *Store) TakePendingAdmin(ctx context.Context, orgID, email string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM oidc_pending_admins WHERE org_id=? AND email=?`, orgID, strings.ToLower(email))
	if err != nil {
		return false, fmt.Errorf("store: pending admin: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// OIDCPending is a sign-in waiting for the provider to send the browser
// back: the app's redirect, state and PKCE challenge, and the service's own
// nonce and (sealed) PKCE verifier towards the provider.
type OIDCPending struct {
	StateHash      string
	OrgID          string
	RedirectURI    string
	AppState       string
	CodeChallenge  string
	Nonce          string
	CallbackURL    string
	SealedVerifier []byte
	ExpiresAt      time.Time
}

// CreateOIDCPending stores a pending sign-in unless max unexpired ones
// already exist (ErrFull), after deleting the expired ones.
func (s *Store) CreateOIDCPending(ctx context.Context, p OIDCPending, now time.Time, max int) error {
	return s.insertBounded(ctx, "oidc_pending", now, max, `INSERT INTO oidc_pending(state_hash, org_id, redirect_uri, app_state,
		code_challenge, nonce, callback_url, verifier, expires_at) VALUES(?,?,?,?,?,?,?,?,?)`,
		p.StateHash, p.OrgID, p.RedirectURI, p.AppState, p.CodeChallenge, p.Nonce, p.CallbackURL, p.SealedVerifier, ms(p.ExpiresAt))
}

// TakeOIDCPending returns and deletes an unexpired pending sign-in: a state
// is good for one callback only.
func (s *Store) TakeOIDCPending(ctx context.Context, stateHash string, now time.Time) (OIDCPending, error) {
	p := OIDCPending{StateHash: stateHash}
	var exp int64
	err := s.take(ctx, "oidc_pending", "state_hash", stateHash, now, `SELECT org_id, redirect_uri, app_state, code_challenge,
		nonce, callback_url, verifier, expires_at FROM oidc_pending WHERE state_hash=?`,
		&p.OrgID, &p.RedirectURI, &p.AppState, &p.CodeChallenge, &p.Nonce, &p.CallbackURL, &p.SealedVerifier, &exp)
	p.ExpiresAt = fromMS(exp)
	return p, err
}

// OIDCCode is a one-time code handed to the app's loopback address after a
// sign-in at the provider.
type OIDCCode struct {
	CodeHash      string
	UserID        string
	CodeChallenge string
	SealedGrant   []byte
	ExpiresAt     time.Time
}

// CreateOIDCCode stores a one-time code unless max unexpired ones exist.
func (s *Store) CreateOIDCCode(ctx context.Context, c OIDCCode, now time.Time, max int) error {
	return s.insertBounded(ctx, "oidc_codes", now, max, `INSERT INTO oidc_codes(code_hash, user_id, code_challenge, grant_blob, expires_at)
		VALUES(?,?,?,?,?)`, c.CodeHash, c.UserID, c.CodeChallenge, c.SealedGrant, ms(c.ExpiresAt))
}

// TakeOIDCCode returns and deletes an unexpired one-time code: whatever
// the caller then decides, the code cannot be used again.
func (s *Store) TakeOIDCCode(ctx context.Context, codeHash string, now time.Time) (OIDCCode, error) {
	c := OIDCCode{CodeHash: codeHash}
	var exp int64
	err := s.take(ctx, "oidc_codes", "code_hash", codeHash, now, `SELECT user_id, code_challenge, grant_blob, expires_at
		FROM oidc_codes WHERE code_hash=?`, &c.UserID, &c.CodeChallenge, &c.SealedGrant, &exp)
	c.ExpiresAt = fromMS(exp)
	return c, err
}

// insertBounded deletes the table's expired rows, counts the live ones and
// inserts only below max, in one transaction.
func (s *Store) insertBounded(ctx context.Context, table string, now time.Time, max int, insert string, args ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at<=?`, ms(now)); err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	if n >= max {
		return ErrFull
	}
	if _, err := tx.ExecContext(ctx, insert, args...); err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	return nil
}

// take reads one row by key and deletes it in one transaction; only the
// transaction whose delete removed the row gets it, so two concurrent
// takes cannot both succeed. An expired row is deleted and not returned.
func (s *Store) take(ctx context.Context, table, keyCol, key string, now time.Time, query string, dest ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, query, key).Scan(dest...); err != nil {
		return fmt.Errorf("store: %s: %w", table, notFound(err))
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+keyCol+`=?`, key)
	if err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	if exp := dest[len(dest)-1].(*int64); *exp <= ms(now) {
		return ErrNotFound
	}
	return nil
}

// OIDCGrant is what the service keeps from the provider for one sign-in
// token, to re-check the person with the provider when it is due.
type OIDCGrant struct {
	TokenHash   string
	OrgID       string
	SealedGrant []byte
	RecheckAt   time.Time
}

// CreateOIDCGrant stores the provider grant of a sign-in token; it is
// deleted with the token (sign-out, suspension, expiry).
func (s *Store) CreateOIDCGrant(ctx context.Context, g OIDCGrant) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO oidc_grants(token_hash, org_id, grant_blob, recheck_at) VALUES(?,?,?,?)`,
		g.TokenHash, g.OrgID, g.SealedGrant, ms(g.RecheckAt)); err != nil {
		return fmt.Errorf("store: create grant: %w", err)
	}
	return nil
}

// OIDCGrant returns the provider grant of a sign-in token; ErrNotFound for
// a token signed in with a password.
func (s *Store) OIDCGrant(ctx context.Context, tokenHash string) (OIDCGrant, error) {
	g := OIDCGrant{TokenHash: tokenHash}
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT org_id, grant_blob, recheck_at FROM oidc_grants WHERE token_hash=?`, tokenHash).
		Scan(&g.OrgID, &g.SealedGrant, &at)
	if err != nil {
		return OIDCGrant{}, fmt.Errorf("store: grant: %w", notFound(err))
	}
	g.RecheckAt = fromMS(at)
	return g, nil
}

// ClaimOIDCRecheck moves a due grant's next check from due to until, only
// if no one else moved it first: of concurrent requests of one token, on
// this node or another sharing the database, exactly one re-checks with the
// provider (which may rotate the refresh token on use).
func (s *Store) ClaimOIDCRecheck(ctx context.Context, tokenHash string, due, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE oidc_grants SET recheck_at=? WHERE token_hash=? AND recheck_at=?`,
		ms(until), tokenHash, ms(due))
	if err != nil {
		return false, fmt.Errorf("store: claim recheck: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UpdateOIDCGrant stores a renewed grant and the time of the next check.
func (s *Store) UpdateOIDCGrant(ctx context.Context, tokenHash string, sealed []byte, recheckAt time.Time) error {
	return s.execOne(ctx, `UPDATE oidc_grants SET grant_blob=?, recheck_at=? WHERE token_hash=?`, sealed, ms(recheckAt), tokenHash)
}
