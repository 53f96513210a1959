package rtc

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Loop serialises work onto one goroutine, so its owner's state (a peer's
// pending candidates and State, a session's consent and timers, ...) needs
// no lock: callbacks Post to it, public methods Do on it, and Timers fire on
// it. Its queue is bounded; when full, Post and Do wait (pion's own
// goroutines wait with them) until the loop catches up or the Loop is
// closed, and TryPost gives up instead.
type Loop struct {
	events    chan func()
	wake      chan struct{} // capacity 1: a Notifier is pending
	done      chan struct{}
	closed    atomic.Bool
	errClosed error

	mu        sync.Mutex // guards notifiers
	notifiers []*Notifier
}

// NewLoop returns a Loop with a queue of size functions. errClosed is what
// Do returns once the Loop is closed (each package has its own sentinel).
func NewLoop(size int, errClosed error) *Loop {
	return &Loop{
		events:    make(chan func(), size),
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		errClosed: errClosed,
	}
}

// Post hands fn to the loop goroutine; after Close it is dropped.
func (l *Loop) Post(fn func()) {
	select {
	case <-l.done:
	case l.events <- fn:
	}
}

// TryPost is Post without waiting: it drops fn and reports false when the
// queue is full or the Loop is closed. A callback that may run on the loop
// goroutine itself, or while the owner waits for the callback's goroutine,
// uses it so it cannot deadlock; its owner must tolerate the loss (a later
// event supersedes the dropped one).
func (l *Loop) TryPost(fn func()) bool {
	if l.closed.Load() {
		return false
	}
	select {
	case l.events <- fn:
		return true
	default:
		return false
	}
}

// Do runs fn on the loop goroutine and waits for its result. It returns
// the Loop's closed error when the Loop is or becomes closed first, and
// ctx's error when ctx ends first (fn may still run later).
func (l *Loop) Do(ctx context.Context, fn func() error) error {
	if l.closed.Load() {
		return l.errClosed
	}
	res := make(chan error, 1)
	select {
	case l.events <- func() { res <- fn() }:
	case <-l.done:
		return l.errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-res:
		return err
	case <-l.done:
		return l.errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run runs posted functions and pending Notifiers one at a time until
// Close. The owner calls it on the goroutine it starts and waits for. An
// owner that must also wait on other channels runs its own select over
// Events, Woken and Done instead (calling RunNotifiers on Woken).
func (l *Loop) Run() {
	for {
		select {
		case <-l.done:
			return
		case fn := <-l.events:
			fn()
		case <-l.wake:
			l.RunNotifiers()
		}
	}
}

// Consume calls fn with each value received from ch, one at a time on the
// calling goroutine, until done is closed. A worker beside a Loop (a
// dispatcher, a writer) runs it with the Loop's Done; its owner starts it
// and waits for it like the loop goroutine.
func Consume[T any](done <-chan struct{}, ch <-chan T, fn func(T)) {
	for {
		select {
		case <-done:
			return
		case v := <-ch:
			fn(v)
		}
	}
}

// Events delivers the posted functions, for an owner's own select.
func (l *Loop) Events() <-chan func() { return l.events }

// Woken delivers a value when a Notifier is pending, for an owner's own
// select; the owner then calls RunNotifiers.
func (l *Loop) Woken() <-chan struct{} { return l.wake }

// RunNotifiers runs the function of every pending Notifier. Loop goroutine
// only.
func (l *Loop) RunNotifiers() {
	l.mu.Lock()
	ns := l.notifiers
	l.mu.Unlock()
	for _, n := range ns {
		if n.pending.Swap(false) {
			n.fn()
		}
	}
}

// Notifier runs a function on a Loop's goroutine after Notify, for signals
// where only "something changed" matters (a keyframe request, a new
// bitrate target, a new viewer state). Notify never waits and never loses
// a call: calls that come while one is pending are merged into it, and a
// call after the function started runs it again.
type Notifier struct {
	l       *Loop
	fn      func()
	pending atomic.Bool
}

// NewNotifier returns a Notifier that runs fn on l's goroutine.
func (l *Loop) NewNotifier(fn func()) *Notifier {
	n := &Notifier{l: l, fn: fn}
	l.mu.Lock()
	l.notifiers = append(l.notifiers, n)
	l.mu.Unlock()
	return n
}

// Notify asks for fn to run on the loop goroutine. Any goroutine may call
// it, the loop's own included; it never waits.
func (n *Notifier) Notify() {
	if n.pending.Swap(true) {
		return // already pending: this call is merged into that one
	}
	select {
	case n.l.wake <- struct{}{}:
	default: // a wake-up is already on its way
	}
}

// Done is closed by Close.
func (l *Loop) Done() <-chan struct{} { return l.done }

// Closed reports whether Close was called.
func (l *Loop) Closed() bool { return l.closed.Load() }

// Close marks the Loop closed and releases everyone waiting on Done. It
// reports whether this call closed it: only the first call does.
func (l *Loop) Close() bool {
	if l.closed.Swap(true) {
		return false
	}
	close(l.done)
	return true
}

// Timer runs a function on a Loop's goroutine after a delay, in place of a
// time.Timer in the owner's select. It belongs to the loop goroutine: Reset
// and Stop are called there (or by the owner after the loop goroutine has
// ended). A firing already on its way when Stop or Reset runs is dropped,
// so fn never runs for a deadline that was withdrawn.
type Timer struct {
	l  *Loop
	fn func()

	// Owned by the loop goroutine.
	t   *time.Timer // nil when not armed
	gen uint64      // advanced by Stop; a firing of an older generation is stale
}

// NewTimer returns a stopped Timer that runs fn on l's goroutine.
func (l *Loop) NewTimer(fn func()) *Timer { return &Timer{l: l, fn: fn} }

// Reset arms the timer to run fn once after d, withdrawing an earlier
// deadline. The firing waits for room in the queue like Post; after Close
// fn no longer runs.
func (t *Timer) Reset(d time.Duration) {
	t.Stop()
	gen := t.gen
	t.t = time.AfterFunc(d, func() { t.l.Post(func() { t.fire(gen) }) })
}

func (t *Timer) fire(gen uint64) {
	if gen != t.gen || t.t == nil || t.l.Closed() {
		return
	}
	t.t = nil
	t.fn()
}

// Stop withdraws the deadline, if any: fn does not run for it. It reports
// whether the timer was armed.
func (t *Timer) Stop() bool {
	t.gen++
	if t.t == nil {
		return false
	}
	t.t.Stop()
	t.t = nil
	return true
}

// Active reports whether the timer is armed and fn has not run yet.
func (t *Timer) Active() bool { return t.t != nil }
