package sharer

import (
	"sync"

	"github.com/quickhelp/quickhelp/wire"
)

// hubQueue is each subscriber's buffer. A subscriber that falls this far
// behind misses events (the newest status is always resent on its next
// status change); the daemon never blocks on a local UI.
const hubQueue = 64

// hub fans local events out to subscribers.
type hub struct {
	// mu guards subs and closed.
	mu     sync.Mutex
	subs   map[chan wire.LocalEvent]struct{}
	closed bool
}

func newHub() *hub { return &hub{subs: make(map[chan wire.LocalEvent]struct{})} }

func (h *hub) subscribe() (<-chan wire.LocalEvent, func()) {
	ch := make(chan wire.LocalEvent, hubQueue)
	h.mu.Lock()
	if h.closed {
		close(ch)
		h.mu.Unlock()
		return ch, func() {}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			if _, ok := h.subs[ch]; ok {
				delete(h.subs, ch)
				close(ch)
			}
			h.mu.Unlock()
		})
	}
}

func (h *hub) publish(ev wire.LocalEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		close(ch)
		delete(h.subs, ch)
	}
}
