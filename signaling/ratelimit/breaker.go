package ratelimit

import (
	"fmt"
	"sync"
	"time"
)

// BreakerConfig configures a Breaker.
type BreakerConfig struct {
	// Threshold failures within Window trip the breaker.
	Threshold int
	Window    time.Duration
	// Cooldown is how long the breaker stays tripped after the last
	// failure over the threshold.
	Cooldown time.Duration
	// MaxPrefixes bounds the failing prefixes remembered; 0 means 100000.
	MaxPrefixes int
}

// Breaker watches failures across all clients. When more than Threshold
// happen within Window (a distributed guessing attack spread over many
// addresses) it trips for Cooldown; while tripped, only the prefixes (wide
// client address ranges, chosen by the caller) that failed within Window
// are refused, and every other prefix gets one attempt at a time per Window.
// Clients that do not fail keep working: the breaker is not an off switch.
type Breaker struct {
	cfg BreakerConfig
	// prefixes remembers failing prefixes (at most one failure per Window
	// counts while tripped), with bounded memory.
	prefixes *Limiter

	// mu guards the fields below. Failures are counted in fixed buckets of
	// Window/10 so memory does not grow with the attack.
	mu        sync.Mutex
	buckets   [10]int
	bucketAt  [10]time.Time
	openUntil time.Time
}

// NewBreaker validates cfg and returns a Breaker that is not tripped.
func NewBreaker(cfg BreakerConfig) (*Breaker, error) {
	if cfg.Threshold <= 0 || cfg.Window <= 0 || cfg.Cooldown <= 0 || cfg.MaxPrefixes < 0 {
		return nil, fmt.Errorf("%w: breaker %+v", ErrConfig, cfg)
	}
	prefixes, err := New(Config{Rules: []Rule{{Window: cfg.Window, Max: 1}}, MaxKeys: cfg.MaxPrefixes})
	if err != nil {
		return nil, err
	}
	return &Breaker{cfg: cfg, prefixes: prefixes}, nil
}

// Tripped reports whether the breaker is tripped at now and for how long.
func (b *Breaker) Tripped(now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.openUntil) {
		return true, b.openUntil.Sub(now)
	}
	return false, 0
}

// Reserve reports whether prefix may make an attempt at now. While the
// breaker is not tripped every prefix may. While it is, a prefix that
// failed (or holds a reservation) within Window is refused until that
// failure leaves the window or the breaker resets, whichever is first;
// otherwise the attempt is reserved before any work is done. An attempt
// that succeeds gives its reservation back with Refund(prefix, now).
func (b *Breaker) Reserve(prefix string, now time.Time) (ok bool, retryAfter time.Duration) {
	tripped, left := b.Tripped(now)
	if !tripped {
		return true, 0
	}
	ok, retry := b.prefixes.Reserve(prefix, now)
	if ok {
		return true, 0
	}
	return false, min(retry, left)
}

// Refund gives back a reservation made by Reserve at the same now.
func (b *Breaker) Refund(prefix string, at time.Time) { b.prefixes.Refund(prefix, at) }

// Fail records a failure by prefix and trips the breaker when the failures
// within Window exceed the threshold.
func (b *Breaker) Fail(prefix string, now time.Time) {
	b.prefixes.Fail(prefix, now)
	b.mu.Lock()
	defer b.mu.Unlock()
	width := b.cfg.Window / 10
	if width <= 0 {
		width = 1
	}
	slot := now.Truncate(width)
	i := int(slot.UnixNano()/int64(width)) % 10
	if i < 0 {
		i += 10
	}
	if !b.bucketAt[i].Equal(slot) {
		b.bucketAt[i], b.buckets[i] = slot, 0
	}
	b.buckets[i]++
	total := 0
	for j := range b.buckets {
		if now.Sub(b.bucketAt[j]) < b.cfg.Window {
			total += b.buckets[j]
		}
	}
	if total > b.cfg.Threshold {
		b.openUntil = now.Add(b.cfg.Cooldown)
	}
}
