package ratelimit

import (
	"context"
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
		b.Fail(fmt.Sprint("p", i), now.Add(time.Duration(i)*100*time.Millisecond))
	}
	now = now.Add(10 * time.Second)
	if tripped, _ := b.Tripped(now); tripped {
		t.Fatalf("breaker tripped at the threshold, want not until it is exceeded")
	}
	b.Fail("p100", now)
	tripped, retry := b.Tripped(now)
	if !tripped || retry != 30*time.Second {
		t.Fatalf("Tripped() = %v, %v, want true, 30s", tripped, retry)
	}
	// Tripped: a prefix that failed is refused, a clean one is not.
	if ok, retry := b.Reserve("p7", now); ok || retry <= 0 || retry > 30*time.Second {
		t.Errorf("Reserve(failing prefix) = %v, %v, want refused with retry within the cooldown", ok, retry)
	}
	if ok, _ := b.Reserve("clean", now); !ok {
		t.Errorf("Reserve(clean prefix) refused while tripped")
	}
	// Its reservation holds until refunded: a second concurrent attempt
	// from the same prefix is refused, and a refund lets the next one in.
	if ok, _ := b.Reserve("clean", now); ok {
		t.Errorf("second concurrent Reserve(clean prefix) allowed while tripped")
	}
	b.Refund("clean", now)
	if ok, _ := b.Reserve("clean", now); !ok {
		t.Errorf("Reserve after Refund refused")
	}
	if tripped, _ := b.Tripped(now.Add(31 * time.Second)); tripped {
		t.Errorf("breaker still tripped after the cooldown")
	}
	if ok, _ := b.Reserve("p7", now.Add(31*time.Second)); !ok {
		t.Errorf("failing prefix still refused after the cooldown")
	}
	// Failures spread thinly over time never trip it.
	b2, _ := NewBreaker(BreakerConfig{Threshold: 100, Window: time.Minute, Cooldown: time.Second})
	for i := 0; i < 1000; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		b2.Fail("x", at)
		if tripped, _ := b2.Tripped(at); tripped {
			t.Fatalf("breaker tripped by 1 failure/s at %d", i)
		}
	}
}

func TestReserveAndRefund(t *testing.T) {
	l, _ := New(Config{Rules: joinRules()})
	for i := 0; i < 5; i++ {
		if ok, _ := l.Reserve("a", t0); !ok {
			t.Fatalf("Reserve %d refused, want the first 5 allowed", i)
		}
	}
	if ok, retry := l.Reserve("a", t0); ok || retry != time.Minute {
		t.Fatalf("6th Reserve = %v, %v, want refused for 1m", ok, retry)
	}
	l.Refund("a", t0)
	if ok, _ := l.Reserve("a", t0); !ok {
		t.Errorf("Reserve after a Refund refused")
	}
	l.Refund("b", t0) // unknown key: no effect
	for i := 0; i < 5; i++ {
		l.Refund("a", t0)
	}
	if n := l.Len(); n != 0 {
		t.Errorf("Len() after refunding everything = %d, want 0", n)
	}
}

func TestInFlight(t *testing.T) {
	f, err := NewInFlight(InFlightConfig{PerKey: 2, Slots: 3, Waiting: 1, Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a1, err1 := f.Acquire(ctx, "a")
	a2, err2 := f.Acquire(ctx, "a")
	if err1 != nil || err2 != nil {
		t.Fatalf("first two for a: %v, %v", err1, err2)
	}
	if _, err := f.Acquire(ctx, "a"); !errors.Is(err, ErrKeyBusy) {
		t.Errorf("third for a: %v, want ErrKeyBusy", err)
	}
	b1, err := f.Acquire(ctx, "b")
	if err != nil {
		t.Fatalf("b: %v", err)
	}
	// All 3 slots taken: c waits (the one queue place) and times out; d
	// finds the queue full at once.
	done := make(chan error, 1)
	start := time.Now()
	go func() { _, err := f.Acquire(ctx, "c"); done <- err }()
	time.Sleep(10 * time.Millisecond)
	if _, err := f.Acquire(ctx, "d"); !errors.Is(err, ErrBusy) {
		t.Errorf("d with a full queue: %v, want ErrBusy", err)
	}
	if err := <-done; !errors.Is(err, ErrBusy) || time.Since(start) < 40*time.Millisecond {
		t.Errorf("c: %v after %v, want ErrBusy after the wait", err, time.Since(start))
	}
	// A waiter gets a slot freed within the wait.
	go func() {
		release, err := f.Acquire(ctx, "c")
		if err == nil {
			release()
		}
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	a1()
	a1() // releasing twice frees one slot only
	if err := <-done; err != nil {
		t.Errorf("waiter after a release: %v", err)
	}
	a2()
	b1()
	if n := len(f.perKey); n != 0 {
		t.Errorf("perKey holds %d keys after every release, want 0", n)
	}
}
