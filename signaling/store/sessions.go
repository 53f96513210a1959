package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// NewSession is a session created by a helper, waiting for its code.
type NewSession struct {
	ID              string
	OrgID           string
	HelperID        string
	CodeHash        []byte
	CodeExpiresAt   time.Time
	HelperTokenHash string
	TokenExpiresAt  time.Time
	CreatedAt       time.Time
}

// Session is the state of a session as stored.
type Session struct {
	ID             string
	OrgID          string
	HelperID       string
	Used           bool
	CodeExpiresAt  time.Time
	TokenExpiresAt time.Time
	CreatedAt      time.Time
	StartedAt      *time.Time
	EndedAt        *time.Time
	EndReason      wire.Reason
}

// CreateSession inserts a session; ErrConflict if the code hash collides
// with a live code (the caller draws another code).
func (s *Store) CreateSession(ctx context.Context, n NewSession) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions(id, org_id, helper_id, code_hash, code_expires_at, helper_token_hash, token_expires_at, created_at)
		VALUES(?,?,?,?,?,?,?,?)`, n.ID, n.OrgID, n.HelperID, n.CodeHash, ms(n.CodeExpiresAt), n.HelperTokenHash, ms(n.TokenExpiresAt), ms(n.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("%w: code", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

const sessionColumns = `id, org_id, helper_id, used, code_expires_at, token_expires_at, created_at, started_at, ended_at, end_reason`

func scanSession(row scanner) (Session, error) {
	var x Session
	var codeExp, tokExp, created int64
	var started, ended sql.NullInt64
	if err := row.Scan(&x.ID, &x.OrgID, &x.HelperID, &x.Used, &codeExp, &tokExp, &created, &started, &ended, &x.EndReason); err != nil {
		return Session{}, fmt.Errorf("store: session: %w", notFound(err))
	}
	x.CodeExpiresAt, x.TokenExpiresAt, x.CreatedAt = fromMS(codeExp), fromMS(tokExp), fromMS(created)
	x.StartedAt, x.EndedAt = fromNullMS(started), fromNullMS(ended)
	return x, nil
}

// Session returns the session with id.
func (s *Store) Session(ctx context.Context, id string) (Session, error) {
	return scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id=?`, id))
}

// SessionByCode returns the session whose code hash is codeHash if the code
// is live: unused, unexpired and the session not ended. Unknown, used and
// expired codes all give ErrNotFound.
func (s *Store) SessionByCode(ctx context.Context, codeHash []byte, now time.Time) (Session, error) {
	return scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE code_hash=? AND used=FALSE AND code_expires_at>? AND ended_at IS NULL`, codeHash, ms(now)))
}

// ConsumeCode atomically marks the code used, forgets its hash, starts the
// session and stores the sharer's token hash. Of concurrent callers with the
// same code exactly one succeeds; the others get ErrNotFound.
func (s *Store) ConsumeCode(ctx context.Context, codeHash []byte, sharerTokenHash string, now time.Time) (Session, error) {
	row := s.db.QueryRowContext(ctx, `UPDATE sessions SET used=TRUE, code_hash=NULL, sharer_token_hash=?, started_at=?
		WHERE code_hash=? AND used=FALSE AND code_expires_at>? AND ended_at IS NULL
		RETURNING `+sessionColumns, sharerTokenHash, ms(now), codeHash, ms(now))
	return scanSession(row)
}

// SetReportKey keeps the sharer's token hash for one abuse report after
// the session has ended, until expires (a sharer often reports only once
// the helper has gone). It is used once and purged at expiry.
func (s *Store) SetReportKey(ctx context.Context, sessionID, tokenHash string, expires time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO report_keys(session_id, token_hash, expires_at) VALUES(?,?,?)
		ON CONFLICT(session_id) DO UPDATE SET token_hash=excluded.token_hash, expires_at=excluded.expires_at`,
		sessionID, tokenHash, ms(expires)); err != nil {
		return fmt.Errorf("store: report key: %w", err)
	}
	return nil
}

// UseReportKey consumes the report key of session id if tokenHash matches
// and it has not expired; exactly one caller succeeds. It returns the
// session for the report.
func (s *Store) UseReportKey(ctx context.Context, id, tokenHash string, now time.Time) (Session, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM report_keys WHERE session_id=? AND token_hash=? AND expires_at>?`,
		id, tokenHash, ms(now))
	if err != nil {
		return Session{}, fmt.Errorf("store: use report key: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Session{}, fmt.Errorf("store: use report key: %w", ErrNotFound)
	}
	return s.Session(ctx, id)
}

// ParticipantRole returns the role (wire.RoleHelper or wire.RoleSharer)
// that tokenHash grants in the live session id.
func (s *Store) ParticipantRole(ctx context.Context, id, tokenHash string, now time.Time) (string, Session, error) {
	var helperHash, sharerHash sql.NullString
	row := s.db.QueryRowContext(ctx, `SELECT helper_token_hash, sharer_token_hash, `+sessionColumns+` FROM sessions
		WHERE id=? AND ended_at IS NULL AND token_expires_at>? AND (helper_token_hash=? OR sharer_token_hash=?)`,
		id, ms(now), tokenHash, tokenHash)
	var x Session
	var codeExp, tokExp, created int64
	var started, ended sql.NullInt64
	if err := row.Scan(&helperHash, &sharerHash, &x.ID, &x.OrgID, &x.HelperID, &x.Used, &codeExp, &tokExp, &created, &started, &ended, &x.EndReason); err != nil {
		return "", Session{}, fmt.Errorf("store: participant: %w", notFound(err))
	}
	x.CodeExpiresAt, x.TokenExpiresAt, x.CreatedAt = fromMS(codeExp), fromMS(tokExp), fromMS(created)
	x.StartedAt, x.EndedAt = fromNullMS(started), fromNullMS(ended)
	if helperHash.Valid && helperHash.String == tokenHash {
		return wire.RoleHelper, x, nil
	}
	return wire.RoleSharer, x, nil
}

// EndSession ends a live session with reason and the final features and
// error codes, forgets its code and token hashes, and reports whether it was
// still live.
func (s *Store) EndSession(ctx context.Context, id string, reason wire.Reason, features []string, errorCodes []wire.Reason, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sessions SET ended_at=?, end_reason=?, features=?, error_codes=?,
		code_hash=NULL, helper_token_hash=NULL, sharer_token_hash=NULL
		WHERE id=? AND ended_at IS NULL`, ms(now), string(reason), strings.Join(features, ","), joinReasons(errorCodes), id)
	if err != nil {
		return false, fmt.Errorf("store: end session: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetUsage records the features used and error codes seen so far by a live
// session, so that they survive a crash.
func (s *Store) SetUsage(ctx context.Context, id string, features []string, errorCodes []wire.Reason) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET features=?, error_codes=? WHERE id=? AND ended_at IS NULL`,
		strings.Join(features, ","), joinReasons(errorCodes), id); err != nil {
		return fmt.Errorf("store: set usage: %w", err)
	}
	return nil
}

func joinReasons(rs []wire.Reason) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	return strings.Join(ss, ",")
}

// splitReasons reads a stored list; records written by an older release
// keep their meaning (wire.ParseReason).
func splitReasons(s string) []wire.Reason {
	out := []wire.Reason{}
	for _, r := range splitList(s) {
		out = append(out, wire.ParseReason(r))
	}
	return out
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// SessionRecords returns the records of an organisation's sessions, newest
// first, at most limit.
func (s *Store) SessionRecords(ctx context.Context, orgID string, limit int) ([]wire.SessionRecord, error) {
	return queryAll(ctx, s.db, "records", func(row scanner) (wire.SessionRecord, error) {
		var r wire.SessionRecord
		var created int64
		var started, ended sql.NullInt64
		var errs, feats string
		err := row.Scan(&r.ID, &r.OrgID, &r.HelperID, &created, &started, &ended, &r.EndReason, &errs, &feats)
		r.CreatedAt, r.StartedAt, r.EndedAt = fromMS(created), fromNullMS(started), fromNullMS(ended)
		r.ErrorCodes, r.Features = splitReasons(errs), splitList(feats)
		return r, err
	}, `SELECT id, org_id, helper_id, created_at, started_at, ended_at, end_reason, error_codes, features
		FROM sessions WHERE org_id=? ORDER BY created_at DESC LIMIT ?`, orgID, limit)
}

// Report is an abuse report to store.
type Report struct {
	ID        string
	SessionID string
	OrgID     string
	HelperID  string
	Comment   string
	CreatedAt time.Time
}

// CreateReport stores an abuse report.
func (s *Store) CreateReport(ctx context.Context, r Report) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO reports(id, session_id, org_id, helper_id, comment, created_at) VALUES(?,?,?,?,?,?)`,
		r.ID, r.SessionID, r.OrgID, r.HelperID, r.Comment, ms(r.CreatedAt)); err != nil {
		return fmt.Errorf("store: create report: %w", err)
	}
	return nil
}

// Reports returns an organisation's abuse reports, newest first, at most limit.
func (s *Store) Reports(ctx context.Context, orgID string, limit int) ([]wire.AbuseReport, error) {
	return queryAll(ctx, s.db, "reports", func(row scanner) (wire.AbuseReport, error) { return scanReport(row) },
		`SELECT `+reportColumns+` FROM reports WHERE org_id=? ORDER BY created_at DESC LIMIT ?`, orgID, limit)
}

// ExpiredCodes returns the IDs of sessions whose code expired unused, ends
// them with reason expired and forgets their code hashes.
func (s *Store) ExpireCodes(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `UPDATE sessions SET ended_at=code_expires_at, end_reason=?,
		code_hash=NULL, helper_token_hash=NULL, sharer_token_hash=NULL
		WHERE used=FALSE AND ended_at IS NULL AND code_expires_at<=? RETURNING id`, wire.ReasonExpired, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: expire codes: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: expire codes: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PurgeResult counts what Purge deleted.
type PurgeResult struct {
	Sessions, Reports, Tokens, ReportKeys, RateEvents int64
}

// Purge deletes session records and reports created before cutoff, and
// sign-in tokens expired at now. Live sessions older than cutoff are
// deleted too: nothing is kept longer than the retention.
func (s *Store) Purge(ctx context.Context, cutoff, now time.Time) (PurgeResult, error) {
	var r PurgeResult
	for _, q := range []struct {
		n     *int64
		query string
		arg   int64
	}{
		{&r.Sessions, `DELETE FROM sessions WHERE created_at<?`, ms(cutoff)},
		{&r.Reports, `DELETE FROM reports WHERE created_at<?`, ms(cutoff)},
		{&r.Tokens, `DELETE FROM auth_tokens WHERE expires_at<=?`, ms(now)},
		{&r.ReportKeys, `DELETE FROM report_keys WHERE expires_at<=?`, ms(now)},
		{&r.RateEvents, `DELETE FROM rate_events WHERE at<?`, ms(now.Add(-rateHorizon))},
	} {
		res, err := s.db.ExecContext(ctx, q.query, q.arg)
		if err != nil {
			return r, fmt.Errorf("store: purge: %w", err)
		}
		*q.n, _ = res.RowsAffected()
	}
	return r, nil
}

// Checkpoint folds the WAL into the main file and truncates it, so that
// deleted rows do not linger in the log. On PostgreSQL it does nothing:
// the server's own vacuum reclaims deleted rows.
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.db.d == postgres {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}
