// Package store keeps QuickHelp's accounts, sessions, session records and
// abuse reports in SQLite (modernc.org/sqlite, pure Go, WAL mode). It stores
// no chat, SDP, codes in clear, tokens in clear or client addresses.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS orgs (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	relay_only INTEGER NOT NULL DEFAULT 0,
	sign_in_methods TEXT NOT NULL DEFAULT 'password,oidc'
);
CREATE TABLE IF NOT EXISTS users (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs(id),
	email TEXT NOT NULL UNIQUE COLLATE NOCASE,
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	role TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users(id),
	expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_tokens_expiry ON auth_tokens(expires_at);
CREATE TABLE IF NOT EXISTS sessions (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	helper_id TEXT NOT NULL,
	code_hash BLOB UNIQUE,
	code_expires_at INTEGER NOT NULL,
	used INTEGER NOT NULL DEFAULT 0,
	helper_token_hash TEXT,
	sharer_token_hash TEXT,
	token_expires_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	started_at INTEGER,
	ended_at INTEGER,
	end_reason TEXT NOT NULL DEFAULT '',
	error_codes TEXT NOT NULL DEFAULT '',
	features TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sessions_created ON sessions(created_at);
CREATE INDEX IF NOT EXISTS sessions_org ON sessions(org_id, created_at);
CREATE TABLE IF NOT EXISTS reports (
	id TEXT PRIMARY KEY,
	session_id TEXT NOT NULL,
	org_id TEXT NOT NULL,
	helper_id TEXT NOT NULL,
	comment TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	handled_at BIGINT,
	handled_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS reports_created ON reports(created_at);
CREATE TABLE IF NOT EXISTS report_keys (
	session_id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS report_keys_expiry ON report_keys(expires_at);
CREATE TABLE IF NOT EXISTS admin_sessions (
	token_hash TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
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
	created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_org ON audit_log(org_id, created_at);
CREATE INDEX IF NOT EXISTS audit_log_created ON audit_log(created_at);
`

// Open opens (creating if needed) the database file at path, in WAL mode,
// and applies the schema.
func Open(path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Deleted rows (purged records, forgotten hashes) are overwritten, not
	// left in free pages of the file.
	q.Add("_pragma", "secure_delete(1)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	// One connection: SQLite serialises writers anyway, and a single
	// connection rules out SQLITE_BUSY between our own goroutines.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: schema: %w", err)
	}
	if err := migrate(db); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{db: db}, nil
}

// migrate adds the columns later versions introduced to a database made by
// an earlier one (CREATE TABLE IF NOT EXISTS leaves existing tables alone).
func migrate(db *sql.DB) error {
	added := []struct{ table, column, decl string }{
		{"orgs", "relay_only", "INTEGER NOT NULL DEFAULT 0"},
		{"orgs", "sign_in_methods", "TEXT NOT NULL DEFAULT 'password,oidc'"},
		{"reports", "handled_at", "BIGINT"},
		{"reports", "handled_by", "TEXT NOT NULL DEFAULT ''"},
	}
	for _, a := range added {
		var n int
		err := db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info(?) WHERE name=?`, a.table, a.column).Scan(&n)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		if _, err := db.Exec(`ALTER TABLE ` + a.table + ` ADD COLUMN ` + a.column + ` ` + a.decl); err != nil {
			return fmt.Errorf("store: migrate %s.%s: %w", a.table, a.column, err)
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
