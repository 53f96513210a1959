package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// SessionState is what decides whether a live session may go on.
type SessionState struct {
	// Ended is true when the session record says it is over (ended by
	// another process, or purged).
	Ended bool
	// Reason is the stored end reason of an ended session.
	Reason wire.Reason
	// HelperDisabled and OrgDisabled are the helper's suspension and the
	// organisation's switch.
	HelperDisabled, OrgDisabled bool
}

// maxStateBatch bounds the parameters of one SessionStates query.
const maxStateBatch = 500

// SessionStates returns the state of each session in ids; a session that no
// longer exists comes back Ended. It is one indexed query per 500 sessions,
// cheap enough to run every second for the live sessions of a process.
func (s *Store) SessionStates(ctx context.Context, ids []string) (map[string]SessionState, error) {
	out := make(map[string]SessionState, len(ids))
	for _, id := range ids {
		out[id] = SessionState{Ended: true}
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), maxStateBatch)]
		ids = ids[len(batch):]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.ended_at IS NOT NULL, s.end_reason, COALESCE(u.disabled, TRUE), COALESCE(o.disabled, TRUE)
			FROM sessions s LEFT JOIN users u ON u.id=s.helper_id LEFT JOIN orgs o ON o.id=s.org_id
			WHERE s.id IN (?`+strings.Repeat(",?", len(batch)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: session states: %w", err)
		}
		for rows.Next() {
			var id string
			var st SessionState
			if err := rows.Scan(&id, &st.Ended, &st.Reason, &st.HelperDisabled, &st.OrgDisabled); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: session states: %w", err)
			}
			out[id] = st
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: session states: %w", err)
		}
	}
	return out, nil
}

// SessionLive reports whether session id exists, has not ended and its
// participant tokens have not expired at now. The TURN relay asks it before
// honouring a credential, so an ended session's credentials die on every
// node sharing the database.
func (s *Store) SessionLive(ctx context.Context, id string, now time.Time) (bool, error) {
	var live bool
	err := s.db.QueryRowContext(ctx, `SELECT ended_at IS NULL AND token_expires_at>? FROM sessions WHERE id=?`, ms(now), id).Scan(&live)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return false, fmt.Errorf("store: session live: %w", err)
	}
	return live, nil
}

// DataVersion returns SQLite's data_version of the store's connection: it
// changes when another connection (another process, such as the
// command-line tools, or another node) has committed a change since the
// last call, and not for the store's own writes. Pollers use it to skip
// work while nobody else wrote. PostgreSQL has no such cheap signal, so
// there every call returns a new value and pollers always look.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	if s.db.d == postgres {
		return s.version.Add(1), nil
	}
	var v int64
	if err := s.db.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: data version: %w", err)
	}
	return v, nil
}
