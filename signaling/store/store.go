// Package store keeps QuickHelp's accounts, sessions, session records and
// abuse reports in SQLite (modernc.org/sqlite, pure Go, WAL mode; one
// service process) or PostgreSQL (github.com/jackc/pgx/v5; several service
// nodes). It stores no chat, SDP, codes in clear, tokens in clear or client
// addresses.
//
// Every method is written once for both back ends (db.go, dialect.go); the
// schema is a list of forward-only migrations (migrate.go): a new table or
// column is a new entry at the end of that list, never an edit of an old one.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	db db
	// version counts DataVersion calls on PostgreSQL, which has no
	// equivalent of SQLite's data_version (see DataVersion).
	version atomic.Int64
}

// Open opens (creating if needed) the SQLite database file at path, in WAL
// mode, and migrates its schema.
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
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	// One connection: SQLite serialises writers anyway, and a single
	// connection rules out SQLITE_BUSY between our own goroutines.
	sdb.SetMaxOpenConns(1)
	s := &Store{db: db{DB: sdb, d: sqlite}}
	if err := s.migrate(context.Background()); err != nil {
		sdb.Close()
		return nil, err
	}
	return s, nil
}

// OpenURL opens the database a --database-url names: postgres:// or
// postgresql:// for PostgreSQL (several service nodes share it), or
// sqlite:PATH for a SQLite file.
func OpenURL(ctx context.Context, rawURL string) (*Store, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return OpenPostgres(ctx, rawURL)
	case strings.HasPrefix(rawURL, "sqlite:"):
		return Open(strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//"))
	}
	return nil, fmt.Errorf("%w: database URL must start with postgres://, postgresql:// or sqlite:", ErrConfig)
}

// Backend names the database: "sqlite" or "postgres".
func (s *Store) Backend() string { return s.db.d.String() }

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

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
