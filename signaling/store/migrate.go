package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// migration is one forward-only schema step. Its SQL uses the type tokens
// of dialect.go and statements separated by semicolons; it runs in one
// transaction together with the row that records it.
type migration struct {
	version int
	name    string
	sql     string
	// postgres are statements run first on PostgreSQL only (extensions).
	postgres []string
}

// migrations is the schema's history. Append only: a node of the previous
// release keeps serving a database migrated by the next one (rolling
// upgrade), so a step adds tables, columns with defaults and indexes, and
// never renames or drops what the previous release reads.
var migrations = []migration{
	{version: 1, name: "initial schema", postgres: []string{`CREATE EXTENSION IF NOT EXISTS citext`}, sql: `
CREATE TABLE IF NOT EXISTS orgs (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	disabled {{bool}} NOT NULL DEFAULT FALSE,
	created_at {{int}} NOT NULL,
	relay_only {{bool}} NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS users (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs(id),
	email {{email}} NOT NULL UNIQUE,
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	role TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled {{bool}} NOT NULL DEFAULT FALSE,
	created_at {{int}} NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users(id),
	expires_at {{int}} NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_tokens_expiry ON auth_tokens(expires_at);
CREATE TABLE IF NOT EXISTS sessions (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	helper_id TEXT NOT NULL,
	code_hash {{blob}} UNIQUE,
	code_expires_at {{int}} NOT NULL,
	used {{bool}} NOT NULL DEFAULT FALSE,
	helper_token_hash TEXT,
	sharer_token_hash TEXT,
	token_expires_at {{int}} NOT NULL,
	created_at {{int}} NOT NULL,
	started_at {{int}},
	ended_at {{int}},
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
	created_at {{int}} NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_created ON reports(created_at);
CREATE TABLE IF NOT EXISTS report_keys (
	session_id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL,
	expires_at {{int}} NOT NULL
);
CREATE INDEX IF NOT EXISTS report_keys_expiry ON report_keys(expires_at);
`},
	{version: 2, name: "service secrets and shared rate limits", sql: `
CREATE TABLE IF NOT EXISTS service_secrets (
	name TEXT PRIMARY KEY,
	value {{blob}} NOT NULL,
	created_at {{int}} NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_events (
	bucket TEXT NOT NULL,
	key TEXT NOT NULL,
	at {{int}} NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_key ON rate_events(bucket, key, at);
CREATE INDEX IF NOT EXISTS rate_events_at ON rate_events(at);
`},
	{version: 3, name: "sign-in with OpenID Connect", sql: oidcSchema},
	{version: 4, name: "admin console sessions, audit log, handled reports", sql: adminSchema},
}

// migrateLockKey is the PostgreSQL advisory lock that serialises the
// migrations of nodes starting at the same time.
const migrateLockKey = 0x5148_4d49_4752_0001

// migrate applies the migrations the database has not seen, in order. On
// PostgreSQL it holds an advisory lock meanwhile, so of several nodes
// starting at once one migrates and the others wait and then find nothing
// to do; on SQLite each step's transaction is BEGIN IMMEDIATE, which takes
// the file's write lock. Versions newer than this release knows (a node of
// the next release migrated first) are left alone.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.db.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if s.db.d == postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLockKey)); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrateLockKey)) //nolint:errcheck // the lock also ends with the connection
	}
	if _, err := conn.ExecContext(ctx, s.db.d.expand(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version {{int}} PRIMARY KEY, name TEXT NOT NULL, applied_at {{int}} NOT NULL)`)); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	for _, m := range migrations {
		if applied[m.version] {
			continue
		}
		if err := s.apply(ctx, conn, m); err != nil {
			return fmt.Errorf("store: migrate %d (%s): %w", m.version, m.name, err)
		}
	}
	if s.db.d == sqlite {
		return addLegacyColumns(ctx, conn)
	}
	return nil
}

func (s *Store) apply(ctx context.Context, conn *sql.Conn, m migration) error {
	t, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer t.Rollback() //nolint:errcheck // after Commit it is a no-op
	var stmts []string
	if s.db.d == postgres {
		stmts = append(stmts, m.postgres...)
	}
	stmts = append(stmts, strings.Split(s.db.d.expand(m.sql), ";")...)
	for _, q := range stmts {
		if strings.TrimSpace(q) == "" {
			continue
		}
		if _, err := t.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if _, err := t.ExecContext(ctx, s.db.d.rebind(`INSERT INTO schema_migrations(version, name, applied_at) VALUES(?,?,?)
		ON CONFLICT(version) DO NOTHING`), m.version, m.name, ms(time.Now())); err != nil {
		return err
	}
	return t.Commit()
}

// addLegacyColumns adds the columns that SQLite databases made before
// versioned migrations may lack (CREATE TABLE IF NOT EXISTS leaves an
// existing table alone).
func addLegacyColumns(ctx context.Context, conn *sql.Conn) error {
	added := []struct{ table, column, decl string }{
		{"orgs", "relay_only", "INTEGER NOT NULL DEFAULT 0"},
	}
	for _, a := range added {
		var n int
		err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name=?`, a.table, a.column).Scan(&n)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		if _, err := conn.ExecContext(ctx, `ALTER TABLE `+a.table+` ADD COLUMN `+a.column+` `+a.decl); err != nil {
			return fmt.Errorf("store: migrate %s.%s: %w", a.table, a.column, err)
		}
	}
	return nil
}
