package syncbuf

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestConcurrentWritersAndLines(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				fmt.Fprintf(&b, "w%d line %d\n", w, i)
				_ = b.Contains("w0")
			}
		})
	}
	wg.Wait()
	if got := len(b.Lines("w")); got != 200 {
		t.Fatalf("%d lines, want 200", got)
	}
	if got := b.Lines("w3 line 49"); !slices.Equal(got, []string{"w3 line 49"}) {
		t.Fatalf("Lines(w3 line 49) = %q", got)
	}
	if b.Contains("w4") {
		t.Fatal("Contains reports text never written")
	}
}
