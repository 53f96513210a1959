package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/quickhelp/quickhelp/signaling/ratelimit"
	"github.com/quickhelp/quickhelp/signaling/store"
)

// limiter counts attempts per key: ratelimit.Limiter in memory for one
// process, sharedLimiter in the database when several nodes must count
// together (Config.SharedLimits).
type limiter interface {
	Allow(key string, now time.Time) (ok bool, retryAfter time.Duration)
	Reserve(key string, now time.Time) (ok bool, retryAfter time.Duration)
	Refund(key string, at time.Time)
}

// breaker is the join breaker: ratelimit.Breaker or sharedBreaker.
type breaker interface {
	Reserve(prefix string, now time.Time) (ok bool, retryAfter time.Duration)
	Refund(prefix string, at time.Time)
	Fail(prefix string, now time.Time)
}

// limitTimeout bounds one database round trip of a shared limit.
const limitTimeout = 2 * time.Second

// failClosedRetry is the Retry-After of an attempt refused because the
// shared count could not be read: the limit holds while the database does
// not answer.
const failClosedRetry = time.Second

// sharedLimiter keeps a limiter's attempts in the store's rate_events, so
// every node sharing the database counts them together (the join limit of
// a client holds whichever node its requests reach). PostgreSQL rather
// than a NATS key-value bucket: the database is already the one place
// every node must reach to serve a request, its transactions make check
// and count atomic, and the bus stays a pure relay without JetStream.
type sharedLimiter struct {
	st     *store.Store
	bucket string
	rules  []store.RateRule
	log    *slog.Logger
}

func newSharedLimiter(st *store.Store, bucket string, rules []ratelimit.Rule, log *slog.Logger) *sharedLimiter {
	l := &sharedLimiter{st: st, bucket: bucket, log: log}
	for _, r := range rules {
		l.rules = append(l.rules, store.RateRule{Window: r.Window, Max: r.Max})
	}
	return l
}

func (l *sharedLimiter) reserve(key string, now time.Time, record bool) (bool, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), limitTimeout)
	defer cancel()
	ok, retry, err := l.st.RateReserve(ctx, l.bucket, key, l.rules, now, record)
	if err != nil {
		l.log.Warn("shared rate limit unavailable", "bucket", l.bucket, "err", err)
		return false, failClosedRetry
	}
	return ok, retry
}

func (l *sharedLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	return l.reserve(key, now, false)
}

func (l *sharedLimiter) Reserve(key string, now time.Time) (bool, time.Duration) {
	return l.reserve(key, now, true)
}

func (l *sharedLimiter) Refund(key string, at time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), limitTimeout)
	defer cancel()
	if err := l.st.RateRefund(ctx, l.bucket, key, at); err != nil {
		l.log.Warn("shared rate limit refund failed", "bucket", l.bucket, "err", err)
	}
}

// sharedBreaker is ratelimit.Breaker over the store: the failures of all
// nodes trip it, and while tripped each failing network gets one attempt
// per window whichever node it reaches.
type sharedBreaker struct {
	st       *store.Store
	cfg      ratelimit.BreakerConfig
	prefixes *sharedLimiter
	log      *slog.Logger
}

const breakerFailures = "join-failures" // one event per failed join, key ""

func newSharedBreaker(st *store.Store, cfg ratelimit.BreakerConfig, log *slog.Logger) *sharedBreaker {
	return &sharedBreaker{st: st, cfg: cfg, log: log,
		prefixes: newSharedLimiter(st, "breaker-prefix", []ratelimit.Rule{{Window: cfg.Window, Max: 1}}, log)}
}

func (b *sharedBreaker) tripped(now time.Time) bool {
	ctx, cancel := context.WithTimeout(context.Background(), limitTimeout)
	defer cancel()
	n, err := b.st.RateCount(ctx, breakerFailures, "", now.Add(-b.cfg.Window))
	if err != nil {
		b.log.Warn("shared join breaker unavailable", "err", err)
		return true
	}
	return n > b.cfg.Threshold
}

func (b *sharedBreaker) Reserve(prefix string, now time.Time) (bool, time.Duration) {
	if !b.tripped(now) {
		return true, 0
	}
	ok, retry := b.prefixes.Reserve(prefix, now)
	if ok {
		return true, 0
	}
	return false, min(retry, b.cfg.Cooldown)
}

func (b *sharedBreaker) Refund(prefix string, at time.Time) { b.prefixes.Refund(prefix, at) }

func (b *sharedBreaker) Fail(prefix string, now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), limitTimeout)
	defer cancel()
	if err := b.st.RateRecord(ctx, b.prefixes.bucket, prefix, now); err != nil {
		b.log.Warn("shared join breaker record failed", "err", err)
	}
	if err := b.st.RateRecord(ctx, breakerFailures, "", now); err != nil {
		b.log.Warn("shared join breaker record failed", "err", err)
	}
}
