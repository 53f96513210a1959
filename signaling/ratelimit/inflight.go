package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// InFlightConfig configures an InFlight.
type InFlightConfig struct {
	// PerKey is how many attempts one key may have waiting or running.
	PerKey int
	// Slots is how many attempts run at once across all keys.
	Slots int
	// Waiting bounds the attempts queued for a slot across all keys; an
	// attempt beyond it is refused at once, never queued.
	Waiting int
	// Wait is the longest an attempt waits for a slot.
	Wait time.Duration
}

// InFlight bounds expensive work in progress (a password hash) per key and
// in total, with a short bounded queue, so a flood costs at most Slots
// units of work at a time and memory does not grow with it.
type InFlight struct {
	cfg   InFlightConfig
	slots chan struct{}

	// mu guards perKey and waiting. perKey holds only keys with an attempt
	// waiting or running, so it never exceeds Slots+Waiting entries.
	mu      sync.Mutex
	perKey  map[string]int
	waiting int
}

// NewInFlight validates cfg and returns an InFlight.
func NewInFlight(cfg InFlightConfig) (*InFlight, error) {
	if cfg.PerKey <= 0 || cfg.Slots <= 0 || cfg.Waiting < 0 || cfg.Wait < 0 {
		return nil, fmt.Errorf("%w: in-flight %+v", ErrConfig, cfg)
	}
	return &InFlight{cfg: cfg, slots: make(chan struct{}, cfg.Slots), perKey: map[string]int{}}, nil
}

// Acquire waits for a slot for key and returns the function that frees it.
// It fails with ErrKeyBusy when key already has PerKey attempts waiting or
// running, and with ErrBusy when the queue is full or no slot frees up
// within Wait (or ctx ends).
func (f *InFlight) Acquire(ctx context.Context, key string) (release func(), err error) {
	f.mu.Lock()
	if f.perKey[key] >= f.cfg.PerKey {
		f.mu.Unlock()
		return nil, ErrKeyBusy
	}
	select {
	case f.slots <- struct{}{}:
		f.perKey[key]++
		f.mu.Unlock()
		return f.releaser(key), nil
	default:
	}
	if f.waiting >= f.cfg.Waiting {
		f.mu.Unlock()
		return nil, ErrBusy
	}
	f.waiting++
	f.perKey[key]++
	f.mu.Unlock()

	t := time.NewTimer(f.cfg.Wait)
	defer t.Stop()
	var got bool
	select {
	case f.slots <- struct{}{}:
		got = true
	case <-t.C:
	case <-ctx.Done():
	}
	f.mu.Lock()
	f.waiting--
	f.mu.Unlock()
	if !got {
		f.leave(key)
		return nil, ErrBusy
	}
	return f.releaser(key), nil
}

func (f *InFlight) releaser(key string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			<-f.slots
			f.leave(key)
		})
	}
}

func (f *InFlight) leave(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.perKey[key] <= 1 {
		delete(f.perKey, key)
	} else {
		f.perKey[key]--
	}
}
