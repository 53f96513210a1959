package server

import "testing"

// TestReplyNeverKicks: with no writer draining the queue, relayed traffic
// that overflows it cuts the connection off (a consumer that does not
// read), but replies to the participant's own messages are dropped when
// the queue is full and leave the connection up.
func TestReplyNeverKicks(t *testing.T) {
	c := newPeerConn("sharer", nil, 2)
	defer c.cancel()
	for i, want := range []bool{true, true, false, false} {
		if got := c.tryEnqueue([]byte("reply")); got != want {
			t.Fatalf("reply %d: tryEnqueue = %v, want %v", i, got, want)
		}
	}
	if err := c.ctx.Err(); err != nil {
		t.Fatalf("replies overflowing the queue cut the connection off: %v", err)
	}
	if c.enqueue([]byte("relayed")) {
		t.Fatal("enqueue of relayed traffic into a full queue = true, want false (slow consumer)")
	}
	if c.ctx.Err() == nil {
		t.Fatal("a full queue of relayed traffic did not cut the connection off")
	}
	if c.tryEnqueue([]byte("reply")) {
		t.Error("tryEnqueue after the connection was cut off = true, want false")
	}
}
