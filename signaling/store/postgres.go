package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// OpenPostgres connects to the PostgreSQL database at url (a
// postgres:// URL or key=value string as libpq reads it; TLS through
// sslmode, sslrootcert, ...) and migrates its schema. Several service
// nodes may call it at once.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	sdb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	sdb.SetMaxOpenConns(16)
	sdb.SetMaxIdleConns(8)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := sdb.PingContext(pctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s := &Store{db: db{DB: sdb, d: postgres}}
	if err := s.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return s, nil
}
