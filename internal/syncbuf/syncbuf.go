// Package syncbuf is a text buffer safe for concurrent writers and readers:
// a log sink or a program's output that a test polls while it grows.
package syncbuf

import (
	"strings"
	"sync"
)

// Buffer collects written bytes. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

// Write appends p; it never fails.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Contains reports whether sub has been written.
func (s *Buffer) Contains(sub string) bool { return strings.Contains(s.String(), sub) }

// Lines returns the written lines that start with prefix, trimmed.
func (s *Buffer) Lines(prefix string) []string {
	var out []string
	for _, l := range strings.Split(s.String(), "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}
