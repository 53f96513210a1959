package server

import (
	"sync"
	"time"
)

// usageFlushInterval is how often features and error codes of live sessions
// are written. They are also written, complete, when a session ends, so
// this only bounds how stale an admin's view of a live session can be.
const usageFlushInterval = 500 * time.Millisecond

// usageWriter takes the database write of a session's usage off the
// WebSocket read path: a session's first chat (say) only marks the room,
// and one goroutine owned by the server writes marked rooms in the
// background. Under a burst of thousands of sessions this keeps relay
// latency independent of SQLite's single writer.
type usageWriter struct {
	// mu guards dirty: the rooms whose usage changed since the last write.
	mu    sync.Mutex
	dirty map[*room]struct{}
}

func newUsageWriter() *usageWriter { return &usageWriter{dirty: make(map[*room]struct{})} }

// mark schedules r's usage to be written. It never blocks on the database.
func (u *usageWriter) mark(r *room) {
	u.mu.Lock()
	u.dirty[r] = struct{}{}
	u.mu.Unlock()
}

// flush writes every marked room that is still live; ended rooms were
// written by end.
func (u *usageWriter) flush() {
	u.mu.Lock()
	rooms := u.dirty
	u.dirty = make(map[*room]struct{})
	u.mu.Unlock()
	for r := range rooms {
		r.mu.Lock()
		ended := r.ended
		r.mu.Unlock()
		if !ended {
			r.persistUsage()
		}
	}
}

// run flushes until the server stops.
func (s *Server) runUsageWriter() {
	defer s.wg.Done()
	t := time.NewTicker(usageFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.usage.flush()
		}
	}
}
