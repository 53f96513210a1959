package rtc

import (
	"context"
	"sync/atomic"
)

// Loop serialises work onto one goroutine, so a connection's state (pending
// candidates, the current State, ...) needs no lock: pion's callbacks Post
// to it and the public methods Do on it. Its queue is bounded; when full,
// Post and Do wait (pion's own goroutines wait with them) until the loop
// catches up or the Loop is closed.
type Loop struct {
	events    chan func()
	done      chan struct{}
	closed    atomic.Bool
	errClosed error
}

// NewLoop returns a Loop with a queue of size functions. errClosed is what
// Do returns once the Loop is closed (each package has its own sentinel).
func NewLoop(size int, errClosed error) *Loop {
	return &Loop{
		events:    make(chan func(), size),
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

// Run runs posted functions one at a time until Close. The owner calls it
// on the goroutine it starts and waits for. An owner that must also wait
// on other channels runs its own select over Events and Done instead.
func (l *Loop) Run() {
	for {
		select {
		case <-l.done:
			return
		case fn := <-l.events:
			fn()
		}
	}
}

// Events delivers the posted functions, for an owner's own select.
func (l *Loop) Events() <-chan func() { return l.events }

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
