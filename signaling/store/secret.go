package store

import (
	"context"
	"fmt"
	"time"
)

// ServiceSecret returns the secret called name, storing fresh (the caller's
// random bytes) when there is none yet. Of nodes racing at the first start
// exactly one value wins and every node gets that one. It keeps the
// service's keys (code hashes, TURN credentials) in the database that
// several nodes share; a single SQLite process keeps its key in a file of
// its data directory instead.
func (s *Store) ServiceSecret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO service_secrets(name, value, created_at) VALUES(?,?,?)
		ON CONFLICT(name) DO NOTHING`, name, fresh, ms(time.Now())); err != nil {
		return nil, fmt.Errorf("store: service secret: %w", err)
	}
	var v []byte
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM service_secrets WHERE name=?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("store: service secret: %w", notFound(err))
	}
	return v, nil
}
