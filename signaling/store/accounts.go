package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Org is an organisation.
type Org struct {
	ID        string
	Name      string
	Disabled  bool
	RelayOnly bool // sessions relay-only (no direct peer connection)
	CreatedAt time.Time
}

// User is a helper or admin account with its organisation's state.
type User struct {
	ID           string
	OrgID        string
	OrgName      string
	OrgDisabled  bool
	OrgRelayOnly bool
	Email        string
	FirstName    string
	LastName     string
	Role         string
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
}

// CreateOrg inserts an organisation; ErrConflict if the name is taken.
func (s *Store) CreateOrg(ctx context.Context, o Org) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO orgs(id, name, disabled, relay_only, created_at) VALUES(?,?,?,?,?)`,
		o.ID, o.Name, o.Disabled, o.RelayOnly, ms(o.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("%w: organisation name", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create org: %w", err)
	}
	return nil
}

const orgColumns = `id, name, disabled, relay_only, created_at`

func scanOrg(row *sql.Row) (Org, error) {
	var o Org
	var created int64
	if err := row.Scan(&o.ID, &o.Name, &o.Disabled, &o.RelayOnly, &created); err != nil {
		return Org{}, fmt.Errorf("store: org: %w", notFound(err))
	}
	o.CreatedAt = fromMS(created)
	return o, nil
}

// OrgByName returns the organisation called name.
func (s *Store) OrgByName(ctx context.Context, name string) (Org, error) {
	return scanOrg(s.db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs WHERE name=?`, name))
}

// Org returns the organisation with id.
func (s *Store) Org(ctx context.Context, id string) (Org, error) {
	return scanOrg(s.db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id=?`, id))
}

// SetOrgDisabled turns QuickHelp off or on for an organisation.
func (s *Store) SetOrgDisabled(ctx context.Context, id string, disabled bool) error {
	return s.execOne(ctx, `UPDATE orgs SET disabled=? WHERE id=?`, disabled, id)
}

// SetOrgRelayOnly makes an organisation's sessions relay-only or not.
func (s *Store) SetOrgRelayOnly(ctx context.Context, id string, relayOnly bool) error {
	return s.execOne(ctx, `UPDATE orgs SET relay_only=? WHERE id=?`, relayOnly, id)
}

func (s *Store) execOne(ctx context.Context, query string, args ...any) error {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: update: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// CreateUser inserts a user; ErrConflict if the e-mail is taken.
func (s *Store) CreateUser(ctx context.Context, u User) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO users(id, org_id, email, first_name, last_name, role, password_hash, disabled, created_at)
		VALUES(?,?,?,?,?,?,?,?,?)`, u.ID, u.OrgID, u.Email, u.FirstName, u.LastName, u.Role, u.PasswordHash, u.Disabled, ms(u.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("%w: e-mail", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

const userColumns = `u.id, u.org_id, o.name, o.disabled, o.relay_only, u.email, u.first_name, u.last_name, u.role, u.password_hash, u.disabled, u.created_at`

func scanUser(row scanner) (User, error) {
	var u User
	var created int64
	err := row.Scan(&u.ID, &u.OrgID, &u.OrgName, &u.OrgDisabled, &u.OrgRelayOnly, &u.Email, &u.FirstName, &u.LastName, &u.Role, &u.PasswordHash, &u.Disabled, &created)
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", notFound(err))
	}
	u.CreatedAt = fromMS(created)
	return u, nil
}

// UserByEmail returns the user with this e-mail (case-insensitive).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u JOIN orgs o ON o.id=u.org_id WHERE u.email=?`, email))
}

// UserByID returns the user with id.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u JOIN orgs o ON o.id=u.org_id WHERE u.id=?`, id))
}

// ListUsers returns every user, ordered by e-mail.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	return queryAll(ctx, s.db, "list users", scanUser, `SELECT `+userColumns+` FROM users u JOIN orgs o ON o.id=u.org_id ORDER BY u.email`)
}

// SetUserDisabled suspends or re-enables a user. Suspending also revokes
// every sign-in token and admin console session of the user.
func (s *Store) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	if err := s.execOne(ctx, `UPDATE users SET disabled=? WHERE id=?`, disabled, id); err != nil {
		return err
	}
	if disabled {
		return s.revokeAll(ctx, id)
	}
	return nil
}

// revokeAll deletes every sign-in token and admin session of a user.
func (s *Store) revokeAll(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM auth_tokens WHERE user_id=?`, id); err != nil {
		return fmt.Errorf("store: revoke tokens: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM admin_sessions WHERE user_id=?`, id); err != nil {
		return fmt.Errorf("store: revoke admin sessions: %w", err)
	}
	return nil
}

// SetPassword replaces a user's password hash.
func (s *Store) SetPassword(ctx context.Context, id, hash string) error {
	return s.execOne(ctx, `UPDATE users SET password_hash=? WHERE id=?`, hash, id)
}

// CreateAuthToken stores the hash of a sign-in token.
func (s *Store) CreateAuthToken(ctx context.Context, tokenHash, userID string, expires time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO auth_tokens(token_hash, user_id, expires_at) VALUES(?,?,?)`,
		tokenHash, userID, ms(expires)); err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}

// UserByAuthToken returns the user of an unexpired sign-in token.
func (s *Store) UserByAuthToken(ctx context.Context, tokenHash string, now time.Time) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM auth_tokens t
		JOIN users u ON u.id=t.user_id JOIN orgs o ON o.id=u.org_id
		WHERE t.token_hash=? AND t.expires_at>?`, tokenHash, ms(now)))
}

// DeleteAuthToken revokes one sign-in token.
func (s *Store) DeleteAuthToken(ctx context.Context, tokenHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM auth_tokens WHERE token_hash=?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete token: %w", err)
	}
	return nil
}
