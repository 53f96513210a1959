package sharer

import (
	"testing"
	"time"
)

func TestControlBackoff(t *testing.T) {
	var b controlBackoff
	t0 := time.Unix(1000, 0)
	if w := b.wait(t0); w != 0 {
		t.Fatalf("wait before any refusal = %d, want 0", w)
	}
	want := []int{5, 10, 20, 40, 60, 60}
	now := t0
	for i, w := range want {
		b.refused(now)
		if got := b.wait(now); got != w {
			t.Errorf("after refusal %d wait = %d s, want %d", i+1, got, w)
		}
		if got := b.wait(now.Add(time.Duration(w)*time.Second - time.Millisecond)); got != 1 {
			t.Errorf("just before the end of wait %d = %d s, want 1", i+1, got)
		}
		now = now.Add(time.Duration(w) * time.Second)
		if got := b.wait(now); got != 0 {
			t.Errorf("at the end of wait %d = %d s, want 0", i+1, got)
		}
	}
	b.granted()
	b.refused(now)
	if got := b.wait(now); got != 5 {
		t.Errorf("after a grant the next wait = %d s, want 5 again", got)
	}
}
