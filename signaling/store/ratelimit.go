package store

import (
	"context"
	"fmt"
	"time"
)

// RateRule allows at most Max events within Window (ratelimit.Rule).
type RateRule struct {
	Window time.Duration
	Max    int
}

// RateReserve records an event of key in bucket at now unless the events
// already within one of rules' windows reach its Max; then it records
// nothing and says how long until the blocking event leaves its window.
// Check and record are one transaction, serialised per key (a PostgreSQL
// advisory lock; SQLite's write lock), so nodes sharing the database
// count together and concurrent attempts cannot all pass. With record
// false it only checks.
func (s *Store) RateReserve(ctx context.Context, bucket, key string, rules []RateRule, now time.Time, record bool) (bool, time.Duration, error) {
	var keep int
	var horizon time.Duration
	for _, r := range rules {
		keep, horizon = max(keep, r.Max), max(horizon, r.Window)
	}
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, 0, fmt.Errorf("store: rate: %w", err)
	}
	defer t.Rollback() //nolint:errcheck // after Commit it is a no-op
	if s.db.d == postgres {
		if _, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, bucket+"|"+key); err != nil {
			return false, 0, fmt.Errorf("store: rate lock: %w", err)
		}
	}
	rows, err := t.QueryContext(ctx, `SELECT at FROM rate_events WHERE bucket=? AND key=? AND at>? ORDER BY at DESC LIMIT ?`,
		bucket, key, ms(now.Add(-horizon)), keep)
	if err != nil {
		return false, 0, fmt.Errorf("store: rate: %w", err)
	}
	var recent []time.Time // newest first
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			rows.Close()
			return false, 0, fmt.Errorf("store: rate: %w", err)
		}
		recent = append(recent, fromMS(at))
	}
	rows.Close()
	var retry time.Duration
	for _, r := range rules {
		n := 0
		for n < len(recent) && now.Sub(recent[n]) < r.Window {
			n++
		}
		if n >= r.Max {
			retry = max(retry, r.Window-now.Sub(recent[r.Max-1]))
		}
	}
	if retry > 0 || !record {
		return retry <= 0, retry, nil
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO rate_events(bucket, key, at) VALUES(?,?,?)`, bucket, key, ms(now)); err != nil {
		return false, 0, fmt.Errorf("store: rate: %w", err)
	}
	if _, err := t.ExecContext(ctx, `DELETE FROM rate_events WHERE bucket=? AND key=? AND at<=?`, bucket, key, ms(now.Add(-horizon))); err != nil {
		return false, 0, fmt.Errorf("store: rate: %w", err)
	}
	if err := t.Commit(); err != nil {
		return false, 0, fmt.Errorf("store: rate: %w", err)
	}
	return true, 0, nil
}

// RateRefund removes one event of key recorded at exactly at.
func (s *Store) RateRefund(ctx context.Context, bucket, key string, at time.Time) error {
	rowid := "rowid"
	if s.db.d == postgres {
		rowid = "ctid"
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM rate_events WHERE `+rowid+` IN (SELECT `+rowid+` FROM rate_events
		WHERE bucket=? AND key=? AND at=? LIMIT 1)`, bucket, key, ms(at)); err != nil {
		return fmt.Errorf("store: rate refund: %w", err)
	}
	return nil
}

// RateRecord records an event of key in bucket at at, unconditionally.
func (s *Store) RateRecord(ctx context.Context, bucket, key string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO rate_events(bucket, key, at) VALUES(?,?,?)`, bucket, key, ms(at)); err != nil {
		return fmt.Errorf("store: rate record: %w", err)
	}
	return nil
}

// RateCount counts the events of key in bucket since since.
func (s *Store) RateCount(ctx context.Context, bucket, key string, since time.Time) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM rate_events WHERE bucket=? AND key=? AND at>?`, bucket, key, ms(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: rate count: %w", err)
	}
	return n, nil
}

// rateHorizon is how long Purge keeps rate events: longer than any rule's
// window.
const rateHorizon = 2 * time.Hour
