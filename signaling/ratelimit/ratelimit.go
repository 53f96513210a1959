// Package ratelimit counts failures per key (a client address) over several
// sliding windows with bounded memory, and trips a global breaker when
// failures spike across all keys.
package ratelimit

import (
	"container/list"
	"fmt"
	"sync"
	"time"
)

// Rule allows at most Max failures within Window.
type Rule struct {
	Window time.Duration
	Max    int
}

// Config configures a Limiter.
type Config struct {
	// Rules must be non-empty; every rule applies.
	Rules []Rule
	// MaxKeys bounds memory: when full, the least recently seen key is
	// evicted (an attacker rotating addresses can only evict other keys,
	// and the global breaker catches that volume). Optional; 0 means 100000.
	MaxKeys int
}

// Limiter records failures per key. It is safe for concurrent use.
type Limiter struct {
	rules   []Rule
	keep    int           // failures kept per key: the largest Max
	horizon time.Duration // the longest window
	maxKeys int

	// mu guards lru and keys.
	mu   sync.Mutex
	lru  *list.List // of *entry, most recent at the front
	keys map[string]*list.Element
}

type entry struct {
	key      string
	failures []time.Time // oldest first, at most keep
}

// New validates cfg and returns a Limiter.
func New(cfg Config) (*Limiter, error) {
	if len(cfg.Rules) == 0 {
		return nil, fmt.Errorf("%w: no rules", ErrConfig)
	}
	l := &Limiter{maxKeys: cfg.MaxKeys, lru: list.New(), keys: map[string]*list.Element{}}
	if l.maxKeys <= 0 {
		l.maxKeys = 100000
	}
	for _, r := range cfg.Rules {
		if r.Window <= 0 || r.Max <= 0 {
			return nil, fmt.Errorf("%w: rule %+v", ErrConfig, r)
		}
		l.keep = max(l.keep, r.Max)
		l.horizon = max(l.horizon, r.Window)
	}
	l.rules = append([]Rule(nil), cfg.Rules...)
	return l, nil
}

// Allow reports whether key may try again at now. When it may not,
// retryAfter says how long until the oldest failure that blocks it leaves
// its window.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.allowLocked(key, now)
}

func (l *Limiter) allowLocked(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	el := l.keys[key]
	if el == nil {
		return true, 0
	}
	e := el.Value.(*entry)
	for _, r := range l.rules {
		// Failures within the window, counted from the newest backwards.
		n := 0
		for i := len(e.failures) - 1; i >= 0 && now.Sub(e.failures[i]) < r.Window; i-- {
			n++
		}
		if n >= r.Max {
			// Blocked until the r.Max-th newest failure leaves the window.
			oldest := e.failures[len(e.failures)-r.Max]
			wait := r.Window - now.Sub(oldest)
			retryAfter = max(retryAfter, wait)
		}
	}
	return retryAfter <= 0, retryAfter
}

// Reserve is Allow and Fail in one step: when key may try at now, a failure
// is recorded before the caller does any work, so concurrent attempts cannot
// all pass the check before the first one is counted. An attempt that
// succeeds gives its reservation back with Refund.
func (l *Limiter) Reserve(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ok, retry := l.allowLocked(key, now); !ok {
		return false, retry
	}
	l.failLocked(key, now)
	return true, 0
}

// Refund removes one failure of key recorded at exactly at (a reservation
// whose attempt succeeded). It does nothing if there is none.
func (l *Limiter) Refund(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	el := l.keys[key]
	if el == nil {
		return
	}
	e := el.Value.(*entry)
	for i := len(e.failures) - 1; i >= 0; i-- {
		if e.failures[i].Equal(at) {
			e.failures = append(e.failures[:i], e.failures[i+1:]...)
			break
		}
	}
	if len(e.failures) == 0 {
		delete(l.keys, key)
		l.lru.Remove(el)
	}
}

// Fail records a failure of key at now.
func (l *Limiter) Fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(key, now)
}

func (l *Limiter) failLocked(key string, now time.Time) {
	l.sweepLocked(now, 4)
	el := l.keys[key]
	if el == nil {
		if l.lru.Len() >= l.maxKeys {
			oldest := l.lru.Back()
			delete(l.keys, oldest.Value.(*entry).key)
			l.lru.Remove(oldest)
		}
		el = l.lru.PushFront(&entry{key: key})
		l.keys[key] = el
	} else {
		l.lru.MoveToFront(el)
	}
	e := el.Value.(*entry)
	if len(e.failures) == l.keep {
		copy(e.failures, e.failures[1:])
		e.failures = e.failures[:l.keep-1]
	}
	e.failures = append(e.failures, now)
}

// sweepLocked drops up to n keys whose newest failure is older than the
// longest window, from the least recently seen end, so idle keys do not
// linger until the map is full.
func (l *Limiter) sweepLocked(now time.Time, n int) {
	for i := 0; i < n; i++ {
		el := l.lru.Back()
		if el == nil {
			return
		}
		e := el.Value.(*entry)
		if now.Sub(e.failures[len(e.failures)-1]) < l.horizon {
			return
		}
		delete(l.keys, e.key)
		l.lru.Remove(el)
	}
}

// Len returns the number of keys held.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}
