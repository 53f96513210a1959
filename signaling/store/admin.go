package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// The admin console's tables: cookie sessions, the audit log and the
// handled mark of abuse reports. The schema is migration 4 (migrate.go),
// with the type tokens of dialect.go; queries use what SQLite and
// PostgreSQL both understand (LOWER() for case-insensitive search).
const adminSchema = `
CREATE TABLE IF NOT EXISTS admin_sessions (
	token_hash TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users(id),
	created_at {{int}} NOT NULL,
	expires_at {{int}} NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_sessions_user ON admin_sessions(user_id, created_at);
CREATE INDEX IF NOT EXISTS admin_sessions_expiry ON admin_sessions(expires_at);
CREATE TABLE IF NOT EXISTS audit_log (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	actor_id TEXT NOT NULL,
	actor_email TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	created_at {{int}} NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_org ON audit_log(org_id, created_at);
CREATE INDEX IF NOT EXISTS audit_log_created ON audit_log(created_at);
ALTER TABLE reports ADD COLUMN handled_at {{int}};
ALTER TABLE reports ADD COLUMN handled_by TEXT NOT NULL DEFAULT ''
`

// AdminSession is an admin console session as stored: only the hash of the
// cookie's token.
type AdminSession struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateAdminSession stores a new admin console session and deletes the
// user's oldest sessions beyond keep, so one account holds at most keep.
func (s *Store) CreateAdminSession(ctx context.Context, a AdminSession, keep int) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO admin_sessions(token_hash, user_id, created_at, expires_at) VALUES(?,?,?,?)`,
		a.TokenHash, a.UserID, ms(a.CreatedAt), ms(a.ExpiresAt)); err != nil {
		return fmt.Errorf("store: create admin session: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM admin_sessions WHERE user_id=? AND token_hash NOT IN
		(SELECT token_hash FROM admin_sessions WHERE user_id=? ORDER BY created_at DESC, token_hash LIMIT ?)`,
		a.UserID, a.UserID, keep); err != nil {
		return fmt.Errorf("store: bound admin sessions: %w", err)
	}
	return nil
}

// UserByAdminSession returns the user of an unexpired admin session and the
// session. It does not check the role or suspension; the caller does.
func (s *Store) UserByAdminSession(ctx context.Context, tokenHash string, now time.Time) (User, AdminSession, error) {
	var a AdminSession
	var created, expires int64
	row := s.db.QueryRowContext(ctx, `SELECT a.created_at, a.expires_at, `+userColumns+` FROM admin_sessions a
		JOIN users u ON u.id=a.user_id JOIN orgs o ON o.id=u.org_id
		WHERE a.token_hash=? AND a.expires_at>?`, tokenHash, ms(now))
	var u User
	var ucreated int64
	err := row.Scan(&created, &expires, &u.ID, &u.OrgID, &u.OrgName, &u.OrgDisabled, &u.OrgRelayOnly, &u.Email,
		&u.FirstName, &u.LastName, &u.Role, &u.PasswordHash, &u.Disabled, &ucreated)
	if err != nil {
		return User{}, AdminSession{}, fmt.Errorf("store: admin session: %w", notFound(err))
	}
	u.CreatedAt = fromMS(ucreated)
	a.TokenHash, a.UserID, a.CreatedAt, a.ExpiresAt = tokenHash, u.ID, fromMS(created), fromMS(expires)
	return u, a, nil
}

// ExtendAdminSession moves a session's expiry to expires (the caller keeps
// it within the absolute lifetime).
func (s *Store) ExtendAdminSession(ctx context.Context, tokenHash string, expires time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE admin_sessions SET expires_at=? WHERE token_hash=?`, ms(expires), tokenHash); err != nil {
		return fmt.Errorf("store: extend admin session: %w", err)
	}
	return nil
}

// DeleteAdminSession ends one admin console session.
func (s *Store) DeleteAdminSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM admin_sessions WHERE token_hash=?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete admin session: %w", err)
	}
	return nil
}

// OrgUsers returns up to limit accounts of an organisation ordered by
// e-mail; a non-empty query keeps those whose e-mail or name contains it
// (case-insensitive).
func (s *Store) OrgUsers(ctx context.Context, orgID, query string, limit int) ([]User, error) {
	q := `SELECT ` + userColumns + ` FROM users u JOIN orgs o ON o.id=u.org_id WHERE u.org_id=?`
	args := []any{orgID}
	if query = strings.TrimSpace(query); query != "" {
		pat := "%" + likeEscaper.Replace(strings.ToLower(query)) + "%"
		q += ` AND (LOWER(u.email) LIKE ? ESCAPE '\' OR LOWER(u.first_name || ' ' || u.last_name) LIKE ? ESCAPE '\')`
		args = append(args, pat, pat)
	}
	q += ` ORDER BY u.email LIMIT ?`
	args = append(args, limit)
	return queryAll(ctx, s.db, "org users", scanUser, q, args...)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SetUserRole changes a user's role. Leaving the admin role also ends the
// user's admin console sessions.
func (s *Store) SetUserRole(ctx context.Context, id, role string) error {
	if err := s.execOne(ctx, `UPDATE users SET role=? WHERE id=?`, role, id); err != nil {
		return err
	}
	if role != wire.RoleAdmin {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM admin_sessions WHERE user_id=?`, id); err != nil {
			return fmt.Errorf("store: revoke admin sessions: %w", err)
		}
	}
	return nil
}

// LiveSessions returns an organisation's sessions that have not ended,
// newest first, at most limit.
func (s *Store) LiveSessions(ctx context.Context, orgID string, limit int) ([]wire.LiveSession, error) {
	return queryAll(ctx, s.db, "live sessions", func(row scanner) (wire.LiveSession, error) {
		var l wire.LiveSession
		var created int64
		var started sql.NullInt64
		err := row.Scan(&l.ID, &l.HelperID, &l.HelperEmail, &created, &started)
		l.CreatedAt, l.StartedAt = fromMS(created), fromNullMS(started)
		return l, err
	}, `SELECT s.id, s.helper_id, COALESCE(u.email, ''), s.created_at, s.started_at
		FROM sessions s LEFT JOIN users u ON u.id=s.helper_id
		WHERE s.org_id=? AND s.ended_at IS NULL ORDER BY s.created_at DESC LIMIT ?`, orgID, limit)
}

// Report returns one abuse report and the organisation it belongs to.
func (s *Store) Report(ctx context.Context, id string) (wire.AbuseReport, string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+reportColumns+`, org_id FROM reports WHERE id=?`, id)
	if err != nil {
		return wire.AbuseReport{}, "", fmt.Errorf("store: report: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return wire.AbuseReport{}, "", fmt.Errorf("store: report: %w", err)
		}
		return wire.AbuseReport{}, "", fmt.Errorf("store: report: %w", ErrNotFound)
	}
	var orgID string
	r, err := scanReport(rows, &orgID)
	return r, orgID, err
}

// SetReportHandled marks a report handled by the admin with e-mail by (at
// now), or open again when handled is false.
func (s *Store) SetReportHandled(ctx context.Context, id string, handled bool, by string, now time.Time) error {
	if !handled {
		return s.execOne(ctx, `UPDATE reports SET handled_at=NULL, handled_by='' WHERE id=?`, id)
	}
	return s.execOne(ctx, `UPDATE reports SET handled_at=?, handled_by=? WHERE id=?`, ms(now), by, id)
}

const reportColumns = `id, session_id, helper_id, comment, created_at, handled_at, handled_by`

func scanReport(row scanner, extra ...any) (wire.AbuseReport, error) {
	var r wire.AbuseReport
	var created int64
	var handled sql.NullInt64
	dest := append([]any{&r.ID, &r.SessionID, &r.HelperID, &r.Comment, &created, &handled, &r.HandledBy}, extra...)
	if err := row.Scan(dest...); err != nil {
		return wire.AbuseReport{}, fmt.Errorf("store: reports: %w", err)
	}
	r.CreatedAt, r.HandledAt = fromMS(created), fromNullMS(handled)
	return r, nil
}

// AuditEntry is one admin action to record.
type AuditEntry struct {
	ID         string
	OrgID      string
	ActorID    string
	ActorEmail string
	Action     string
	Target     string
	Detail     string
	CreatedAt  time.Time
}

// AddAudit records an admin action.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO audit_log(id, org_id, actor_id, actor_email, action, target, detail, created_at)
		VALUES(?,?,?,?,?,?,?,?)`, e.ID, e.OrgID, e.ActorID, e.ActorEmail, e.Action, e.Target, e.Detail, ms(e.CreatedAt)); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Audit returns an organisation's audit log, newest first, at most limit.
func (s *Store) Audit(ctx context.Context, orgID string, limit int) ([]wire.AuditEntry, error) {
	return queryAll(ctx, s.db, "audit", func(row scanner) (wire.AuditEntry, error) {
		var e wire.AuditEntry
		var created int64
		err := row.Scan(&e.ID, &e.ActorID, &e.ActorEmail, &e.Action, &e.Target, &e.Detail, &created)
		e.CreatedAt = fromMS(created)
		return e, err
	}, `SELECT id, actor_id, actor_email, action, target, detail, created_at FROM audit_log
		WHERE org_id=? ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, limit)
}

// PurgeAudit deletes audit entries made before cutoff and admin sessions
// expired at now, and says how many audit entries went.
func (s *Store) PurgeAudit(ctx context.Context, cutoff, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM audit_log WHERE created_at<?`, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: purge audit: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM admin_sessions WHERE expires_at<=?`, ms(now)); err != nil {
		return n, fmt.Errorf("store: purge admin sessions: %w", err)
	}
	return n, nil
}
