package ratelimit

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func joinRules() []Rule {
	return []Rule{{Window: time.Minute, Max: 5}, {Window: time.Hour, Max: 20}}
}

func TestLimiterPerMinuteAndPerHour(t *testing.T) {
	l, err := New(Config{Rules: joinRules()})
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	for i := 0; i < 5; i++ {
		if ok, _ := l.Allow("a", now); !ok {
			t.Fatalf("Allow after %d failures = false, want true", i)
		}
		l.Fail("a", now)
	}
	ok, retry := l.Allow("a", now)
	if ok || retry != time.Minute {
		t.Fatalf("Allow after 5 failures = %v, %v, want false, 1m", ok, retry)
	}
	if ok, _ := l.Allow("b", now); !ok {
		t.Errorf("another key is blocked")
	}
	// After a minute the per-minute rule lets it try again; keep failing 5 a
	// minute until the hourly rule blocks at 20.
	for m := 1; m < 4; m++ {
		now = t0.Add(time.Duration(m) * time.Minute)
		for i := 0; i < 5; i++ {
			if ok, _ := l.Allow("a", now); !ok {
				t.Fatalf("minute %d failure %d: blocked too early", m, i)
			}
			l.Fail("a", now)
		}
	}
	now = t0.Add(10 * time.Minute)
	ok, retry = l.Allow("a", now)
	if ok || retry != 50*time.Minute {
		t.Fatalf("Allow after 20 failures = %v, %v, want false, 50m", ok, retry)
	}
	if ok, _ := l.Allow("a", t0.Add(61*time.Minute)); !ok {
		t.Errorf("still blocked after the hour")
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	l, _ := New(Config{Rules: joinRules(), MaxKeys: 100})
	for i := 0; i < 1000; i++ {
		l.Fail(fmt.Sprint("k", i), t0)
	}
	if n := l.Len(); n != 100 {
		t.Errorf("Len() = %d, want 100", n)
	}
	// The newest keys survive, the oldest were evicted.
	for i := 0; i < 5; i++ {
		l.Fail("k999", t0)
	}
	if ok, _ := l.Allow("k999", t0); ok {
		t.Errorf("newest key lost its failures")
	}
	// Idle keys are swept once their last failure is older than an hour.
	later := t0.Add(2 * time.Hour)
	for i := 0; i < 50; i++ {
		l.Fail(fmt.Sprint("new", i), later)
	}
	if n := l.Len(); n > 60 {
		t.Errorf("Len() after sweeping = %d, want idle keys swept", n)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{{}, {Rules: []Rule{{Window: 0, Max: 1}}}, {Rules: []Rule{{Window: time.Second}}}} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) error = %v, want ErrConfig", cfg, err)
		}
	}
	if _, err := NewBreaker(BreakerConfig{}); !errors.Is(err, ErrConfig) {
		t.Errorf("NewBreaker({}) error = %v, want ErrConfig", err)
	}
}

func TestBreaker(t *testing.T) {
	b, err := NewBreaker(BreakerConfig{Threshold: 100, Window: time.Minute, Cooldown: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	for i := 0; i < 100; i++ {
		b.Fail(now.Add(time.Duration(i) * 100 * time.Millisecond))
	}
	now = now.Add(10 * time.Second)
	if open, _ := b.Open(now); open {
		t.Fatalf("breaker open at the threshold, want closed until it is exceeded")
	}
	b.Fail(now)
	open, retry := b.Open(now)
	if !open || retry != 30*time.Second {
		t.Fatalf("Open() = %v, %v, want true, 30s", open, retry)
	}
	if open, _ := b.Open(now.Add(31 * time.Second)); open {
		t.Errorf("breaker still open after the cooldown")
	}
	// Failures spread thinly over time never open it.
	b2, _ := NewBreaker(BreakerConfig{Threshold: 100, Window: time.Minute, Cooldown: time.Second})
	for i := 0; i < 1000; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		b2.Fail(at)
		if open, _ := b2.Open(at); open {
			t.Fatalf("breaker opened by 1 failure/s at %d", i)
		}
	}
}
