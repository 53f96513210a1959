package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/quickhelp/quickhelp/signaling/store"
)

// MaxRetention is the longest time a session record or report is kept.
const MaxRetention = 72 * time.Hour

// DefaultAuditRetention is how long the audit log is kept by default.
const DefaultAuditRetention = 365 * 24 * time.Hour

// JanitorConfig configures a Janitor.
type JanitorConfig struct {
	Store *store.Store // required
	// Retention of records; optional, 0 means MaxRetention; larger values
	// are refused.
	Retention time.Duration
	// AuditRetention is how long the audit log of admin actions is kept;
	// optional, 0 means DefaultAuditRetention. It is not session data, so
	// MaxRetention does not bound it.
	AuditRetention time.Duration
	// Interval between runs; optional, 0 means 5 minutes.
	Interval time.Duration
	// Now is the clock; optional, nil means time.Now.
	Now func() time.Time
	// Logger is optional.
	Logger *slog.Logger
	// OnExpired is called with the IDs of sessions whose code expired
	// unused, so the caller can tell a waiting helper; optional.
	OnExpired func(ids []string)
}

// Janitor ends sessions whose code expired and deletes records, reports
// and sign-in tokens older than the retention.
type Janitor struct {
	cfg JanitorConfig
}

// NewJanitor validates cfg.
func NewJanitor(cfg JanitorConfig) (*Janitor, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("%w: no store", ErrConfig)
	}
	if cfg.Retention < 0 || cfg.Retention > MaxRetention {
		return nil, fmt.Errorf("%w: retention %v exceeds %v", ErrConfig, cfg.Retention, MaxRetention)
	}
	if cfg.Retention == 0 {
		cfg.Retention = MaxRetention
	}
	if cfg.AuditRetention < 0 {
		return nil, fmt.Errorf("%w: negative audit retention", ErrConfig)
	}
	if cfg.AuditRetention == 0 {
		cfg.AuditRetention = DefaultAuditRetention
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Janitor{cfg: cfg}, nil
}

// RunOnce expires codes and purges old data once.
func (j *Janitor) RunOnce(ctx context.Context) (store.PurgeResult, error) {
	now := j.cfg.Now()
	ids, err := j.cfg.Store.ExpireCodes(ctx, now)
	if err != nil {
		return store.PurgeResult{}, err
	}
	if len(ids) > 0 && j.cfg.OnExpired != nil {
		j.cfg.OnExpired(ids)
	}
	res, err := j.cfg.Store.Purge(ctx, now.Add(-j.cfg.Retention), now)
	if err != nil {
		return res, err
	}
	audit, err := j.cfg.Store.PurgeAudit(ctx, now.Add(-j.cfg.AuditRetention), now)
	if err != nil {
		return res, err
	}
	if res.Sessions+res.Reports+audit > 0 {
		// Fold the WAL back so deleted rows do not stay in the log file.
		if err := j.cfg.Store.Checkpoint(ctx); err != nil {
			return res, err
		}
	}
	j.cfg.Logger.Debug("retention run", "expired_codes", len(ids), "purged_sessions", res.Sessions,
		"purged_reports", res.Reports, "purged_tokens", res.Tokens, "purged_audit", audit)
	return res, nil
}

// Run calls RunOnce every Interval until ctx is done.
func (j *Janitor) Run(ctx context.Context) {
	t := time.NewTicker(j.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := j.RunOnce(ctx); err != nil && ctx.Err() == nil {
			j.cfg.Logger.Error("retention run failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
