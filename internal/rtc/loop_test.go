package rtc

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var errTestClosed = errors.New("test: closed")

// running starts l.Run on a goroutine the test owns; the returned stop
// closes the loop and waits for it.
func running(t *testing.T, l *Loop) (stop func()) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); l.Run() }()
	stop = func() { l.Close(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

func TestLoopRunsInOrder(t *testing.T) {
	l := NewLoop(4, errTestClosed)
	running(t, l)
	var got []int // touched only on the loop goroutine, read after Do
	for i := range 20 {
		l.Post(func() { got = append(got, i) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := l.Do(ctx, func() error { n = len(got); return nil }); err != nil {
		t.Fatalf("Do = %v, want nil", err)
	}
	if n != 20 {
		t.Fatalf("Do saw %d posted functions, want 20", n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("function %d ran as number %d, want in order: %v", v, i, got)
		}
	}
}

func TestLoopDo(t *testing.T) {
	errFn := errors.New("fn failed")
	tests := []struct {
		name    string
		run     bool // start Run
		closed  bool // Close before Do
		timeout time.Duration
		fn      func() error
		want    error
	}{
		{"returns nil", true, false, 10 * time.Second, func() error { return nil }, nil},
		{"returns fn's error", true, false, 10 * time.Second, func() error { return errFn }, errFn},
		{"after close", true, true, 10 * time.Second, func() error { return nil }, errTestClosed},
		{"loop not running, queue has room", false, false, 50 * time.Millisecond, func() error { return nil }, context.DeadlineExceeded},
		{"closed and not running", false, true, 10 * time.Second, func() error { return nil }, errTestClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoop(1, errTestClosed)
			if tc.run {
				running(t, l)
			}
			if tc.closed {
				l.Close()
			}
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			if got := l.Do(ctx, tc.fn); !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
				t.Errorf("Do = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLoopCloseReleasesWaiters checks that Post and Do blocked on a full
// queue return once the Loop is closed, and that Close reports only once.
func TestLoopCloseReleasesWaiters(t *testing.T) {
	l := NewLoop(1, errTestClosed)
	l.Post(func() {}) // fills the queue; nothing runs it
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	posted := make(chan struct{})
	did := make(chan error, 1)
	go func() { l.Post(func() {}); close(posted) }()
	go func() { did <- l.Do(ctx, func() error { return nil }) }()
	if !l.Close() {
		t.Fatal("first Close = false, want true")
	}
	if l.Close() {
		t.Error("second Close = true, want false")
	}
	if !l.Closed() {
		t.Error("Closed() = false after Close, want true")
	}
	select {
	case <-posted:
	case <-ctx.Done():
		t.Fatal("Post still blocked after Close")
	}
	select {
	case err := <-did:
		if !errors.Is(err, errTestClosed) {
			t.Errorf("Do blocked on a full queue = %v, want %v", err, errTestClosed)
		}
	case <-ctx.Done():
		t.Fatal("Do still blocked after Close")
	}
	select {
	case <-l.Done():
	default:
		t.Error("Done not closed after Close")
	}
}

// TestLoopEvents checks the path of owners that run their own select.
func TestLoopEvents(t *testing.T) {
	l := NewLoop(2, errTestClosed)
	ran := false
	l.Post(func() { ran = true })
	select {
	case fn := <-l.Events():
		fn()
	default:
		t.Fatal("Events() empty after Post")
	}
	if !ran {
		t.Error("function from Events() did not run the posted one")
	}
}

func TestLoopTryPost(t *testing.T) {
	l := NewLoop(1, errTestClosed)
	if !l.TryPost(func() {}) {
		t.Fatal("TryPost on an empty queue = false, want true")
	}
	if l.TryPost(func() {}) {
		t.Error("TryPost on a full queue = true, want false")
	}
	<-l.Events()
	l.Close()
	if l.TryPost(func() {}) {
		t.Error("TryPost after Close = true, want false")
	}
}

// do runs fn on l and fails the test if it cannot.
func do(t *testing.T, l *Loop, fn func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Do(ctx, func() error { fn(); return nil }); err != nil {
		t.Fatalf("Do = %v", err)
	}
}

func TestTimerFiresOnceOnTheLoop(t *testing.T) {
	l := NewLoop(4, errTestClosed)
	running(t, l)
	fired := make(chan int, 4)
	n := 0 // touched only on the loop goroutine
	var tm *Timer
	do(t, l, func() {
		tm = l.NewTimer(func() { n++; fired <- n })
		if tm.Active() {
			t.Error("new Timer is active, want stopped")
		}
		tm.Reset(time.Hour)
		tm.Reset(5 * time.Millisecond) // withdraws the hour
		if !tm.Active() {
			t.Error("Timer not active after Reset")
		}
	})
	select {
	case got := <-fired:
		if got != 1 {
			t.Errorf("first firing saw count %d, want 1", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Timer never fired")
	}
	time.Sleep(30 * time.Millisecond)
	do(t, l, func() {
		if n != 1 {
			t.Errorf("Timer fired %d times, want once", n)
		}
		if tm.Active() {
			t.Error("Timer active after firing, want stopped")
		}
	})
}

// TestTimerStopDropsFiringOnItsWay stops a timer while its firing already
// waits in the queue behind the running function: fn must not run.
func TestTimerStopDropsFiringOnItsWay(t *testing.T) {
	tests := []struct {
		name  string
		after func(tm *Timer) // runs on the loop once the deadline passed
		want  int
	}{
		{"stop", func(tm *Timer) {
			if !tm.Stop() {
				t.Error("Stop of an armed timer = false, want true")
			}
		}, 0},
		{"reset to later", func(tm *Timer) { tm.Reset(time.Hour) }, 0},
		{"left alone", func(*Timer) {}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoop(4, errTestClosed)
			running(t, l)
			n := 0
			var tm *Timer
			do(t, l, func() {
				tm = l.NewTimer(func() { n++ })
				tm.Reset(time.Millisecond)
				time.Sleep(50 * time.Millisecond) // the firing queues behind this function
				tc.after(tm)
			})
			// A withdrawn firing must not run however long we wait; a kept
			// one runs, though a loaded machine may take its time.
			deadline := time.Now().Add(10 * time.Second)
			var got int
			for {
				time.Sleep(20 * time.Millisecond)
				do(t, l, func() { got = n })
				if got >= tc.want || time.Now().After(deadline) {
					break
				}
			}
			do(t, l, func() { tm.Stop() })
			if got != tc.want {
				t.Errorf("fn ran %d times, want %d", got, tc.want)
			}
		})
	}
}

func TestTimerAfterClose(t *testing.T) {
	l := NewLoop(1, errTestClosed)
	stop := running(t, l)
	ran := make(chan struct{}, 1)
	// Closed on the loop right after arming: even if the firing reaches the
	// queue before Run returns, fn must not run.
	l.Post(func() {
		l.NewTimer(func() { ran <- struct{}{} }).Reset(time.Millisecond)
		time.Sleep(10 * time.Millisecond)
		l.Close()
	})
	<-l.Done()
	stop()
	time.Sleep(30 * time.Millisecond)
	select {
	case <-ran:
		t.Error("Timer fired after Close")
	default:
	}
}

func TestConsume(t *testing.T) {
	done := make(chan struct{})
	ch := make(chan int)
	var got []int
	finished := make(chan struct{})
	go func() { defer close(finished); Consume(done, ch, func(v int) { got = append(got, v) }) }()
	for i := range 3 {
		ch <- i
	}
	close(done)
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("Consume did not return after done was closed")
	}
	if len(got) != 3 || got[0] != 0 || got[2] != 2 {
		t.Errorf("Consume delivered %v, want [0 1 2]", got)
	}
}

// TestNotifierMergesAndNeverLoses notifies many times while the loop is
// busy (one run follows), then again from inside the function (another
// run follows), and from the loop goroutine itself (no deadlock).
func TestNotifierMergesAndNeverLoses(t *testing.T) {
	l := NewLoop(4, errTestClosed)
	running(t, l)
	runs := make(chan int, 16)
	n := 0
	var nt *Notifier
	again := true
	nt = l.NewNotifier(func() {
		n++
		runs <- n
		if again {
			again = false
			nt.Notify() // from the loop goroutine, while running: must run again
		}
	})
	release, busy := make(chan struct{}), make(chan struct{})
	l.Post(func() { close(busy); <-release })
	<-busy
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); nt.Notify(); nt.Notify() }()
	}
	wg.Wait()
	close(release)
	for want := 1; want <= 2; want++ {
		select {
		case got := <-runs:
			if got != want {
				t.Fatalf("run %d reported count %d", want, got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("run %d never came", want)
		}
	}
	time.Sleep(30 * time.Millisecond)
	select {
	case got := <-runs:
		t.Errorf("extra run %d: 16 merged notifications and one from inside should run twice", got)
	default:
	}
}

// TestNotifierOwnSelect checks the path of owners that run their own select.
func TestNotifierOwnSelect(t *testing.T) {
	l := NewLoop(1, errTestClosed)
	a, b := 0, 0
	na := l.NewNotifier(func() { a++ })
	l.NewNotifier(func() { b++ })
	na.Notify()
	select {
	case <-l.Woken():
		l.RunNotifiers()
	default:
		t.Fatal("Woken() empty after Notify")
	}
	if a != 1 || b != 0 {
		t.Errorf("after one Notify: runs %d and %d, want 1 and 0", a, b)
	}
	l.RunNotifiers()
	if a != 1 {
		t.Errorf("RunNotifiers with nothing pending ran the function again (%d runs)", a)
	}
}
