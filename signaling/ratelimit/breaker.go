package ratelimit

import (
	"fmt"
	"sync"
	"time"
)

// BreakerConfig configures a Breaker.
type BreakerConfig struct {
	// Threshold failures within Window open the breaker.
	Threshold int
	Window    time.Duration
	// Cooldown is how long the breaker stays open.
	Cooldown time.Duration
}

// Breaker opens for Cooldown when more than Threshold failures happen within
// Window across all clients: a distributed guessing attack spread over many
// addresses still has to pass through it.
type Breaker struct {
	cfg BreakerConfig

	// mu guards the fields below. Failures are counted in fixed buckets of
	// Window/10 so memory does not grow with the attack.
	mu        sync.Mutex
	buckets   [10]int
	bucketAt  [10]time.Time
	openUntil time.Time
}

// NewBreaker validates cfg and returns a closed Breaker.
func NewBreaker(cfg BreakerConfig) (*Breaker, error) {
	if cfg.Threshold <= 0 || cfg.Window <= 0 || cfg.Cooldown <= 0 {
		return nil, fmt.Errorf("%w: breaker %+v", ErrConfig, cfg)
	}
	return &Breaker{cfg: cfg}, nil
}

// Open reports whether the breaker is open at now and for how long.
func (b *Breaker) Open(now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.openUntil) {
		return true, b.openUntil.Sub(now)
	}
	return false, 0
}

// Fail records one failure and opens the breaker when over the threshold.
func (b *Breaker) Fail(now time.Time) {
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
