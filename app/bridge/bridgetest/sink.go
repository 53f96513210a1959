// Package bridgetest holds test helpers for code that talks to the page
// through a bridge.Sink.
package bridgetest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Sink is a bridge.Sink that records the events shown to the page, so a
// test can wait for the one it expects. Frames are not kept.
type Sink struct {
	mu     sync.Mutex // guards events
	events []wire.BridgeEvent
}

// Event records e.
func (s *Sink) Event(e wire.BridgeEvent) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

// Frame drops f.
func (s *Sink) Frame(wire.Frame) {}

// WaitEvent waits up to 20 s for a recorded event that matches and returns
// it; the test fails with every recorded event when none comes.
func (s *Sink) WaitEvent(t testing.TB, what string, match func(wire.BridgeEvent) bool) wire.BridgeEvent {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		for _, e := range s.events {
			if match(e) {
				s.mu.Unlock()
				return e
			}
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; events: %s", what, s.Dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitSharer waits for a "Get help" state event that matches.
func (s *Sink) WaitSharer(t testing.TB, what string, match func(wire.BridgeSharer) bool) wire.BridgeSharer {
	t.Helper()
	return *s.WaitEvent(t, what, func(e wire.BridgeEvent) bool {
		return e.Type == wire.BridgeSharerState && match(*e.Sharer)
	}).Sharer
}

// Reset forgets the recorded events.
func (s *Sink) Reset() {
	s.mu.Lock()
	s.events = nil
	s.mu.Unlock()
}

// Dump is the recorded events as JSON, for failure messages.
func (s *Sink) Dump() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _ := json.Marshal(s.events)
	return string(b)
}
