package peer

import (
	"testing"
	"time"
)

func TestFrameQueue(t *testing.T) {
	type step struct {
		key     bool
		wantKey bool // push reports that a keyframe should be requested
	}
	tests := []struct {
		name        string
		steps       []step
		wantQueued  []int // indices of the pushed frames left in the queue, oldest first
		wantDropped uint64
	}{
		{"first frame must be a keyframe", []step{{false, false}, {true, false}}, []int{1}, 1},
		{"fits", []step{{true, false}, {false, false}}, []int{0, 1}, 0},
		{"full drops oldest delta and dependants", []step{{true, false}, {false, false}, {false, true}}, []int{0}, 2},
		{"full of keyframes drops oldest keyframe", []step{{true, false}, {true, false}, {true, false}}, []int{1, 2}, 1},
		{"keyframe after drop recovers", []step{{true, false}, {false, false}, {false, true}, {false, false}, {true, false}}, []int{0, 4}, 3},
		{"delta after keyframe, queue full, new keyframe", []step{{true, false}, {false, false}, {true, false}}, []int{0, 2}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := newFrameQueue()
			q.setConnected(true)
			for i, s := range tc.steps {
				got := q.push(frame{data: []byte{byte(i)}, key: s.key})
				if got != s.wantKey {
					t.Errorf("push(%d, key=%v) wantKey = %v, want %v", i, s.key, got, s.wantKey)
				}
			}
			var left []int
			for {
				f, ok := q.pop()
				if !ok {
					break
				}
				left = append(left, int(f.data[0]))
			}
			if len(left) != len(tc.wantQueued) {
				t.Fatalf("queued %v, want %v", left, tc.wantQueued)
			}
			for i := range left {
				if left[i] != tc.wantQueued[i] {
					t.Fatalf("queued %v, want %v", left, tc.wantQueued)
				}
			}
			if d := q.droppedCount(); d != tc.wantDropped {
				t.Errorf("dropped = %d, want %d", d, tc.wantDropped)
			}
		})
	}
}

func TestFrameQueueRepeatsKeyframeRequest(t *testing.T) {
	q := newFrameQueue()
	q.setConnected(true)
	q.push(frame{data: []byte{0}, key: true})
	q.push(frame{data: []byte{1}})
	requests := 0
	for i := 0; i < 2*keyRepeatEvery+1; i++ {
		if q.push(frame{data: []byte{2}}) {
			requests++
		}
	}
	// One request when the drop happens, then one per keyRepeatEvery discarded deltas.
	if requests != 3 {
		t.Errorf("keyframe requests = %d, want 3", requests)
	}
}

func TestFrameQueueDisconnected(t *testing.T) {
	q := newFrameQueue()
	if q.push(frame{data: []byte{0}, key: true}) {
		t.Error("push before connect asked for a keyframe")
	}
	if _, ok := q.pop(); ok {
		t.Error("frame queued before connect")
	}
	q.setConnected(true)
	q.push(frame{data: []byte{1}, key: true})
	q.setConnected(false)
	if _, ok := q.pop(); ok {
		t.Error("frame left in the queue after disconnect")
	}
	if d := q.droppedCount(); d != 2 {
		t.Errorf("dropped = %d, want 2", d)
	}
}

func TestRTPTimestampFollowsCaptureTimes(t *testing.T) {
	tr, err := newVideoTrack()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	tests := []struct {
		at   time.Time
		want uint32 // offset from the first timestamp
	}{
		{t0, 0},
		{t0.Add(100 * time.Millisecond), 9000},
		{t0.Add(1 * time.Second), 90000},
		{t0.Add(1 * time.Second), 90001},        // same capture time: still advances
		{t0.Add(500 * time.Millisecond), 90002}, // clock went back: still advances
	}
	base := tr.rtpTimestamp(tests[0].at)
	for i, tc := range tests[1:] {
		if got := tr.rtpTimestamp(tc.at) - base; got != tc.want {
			t.Errorf("step %d: rtpTimestamp(+%v) = base+%d, want base+%d", i+1, tc.at.Sub(t0), got, tc.want)
		}
	}
}

// TestFrameQueueBacklog: a popped frame counts until the writer marks it
// sent, so a capture loop waiting on Backlog waits for the frame being
// paced out, not only for the queued ones.
func TestFrameQueueBacklog(t *testing.T) {
	q := newFrameQueue()
	q.setConnected(true)
	if n := q.backlog(); n != 0 {
		t.Fatalf("empty queue backlog = %d", n)
	}
	q.push(frame{data: []byte{1}, key: true})
	q.push(frame{data: []byte{2, 3}})
	if n := q.backlog(); n != 2 {
		t.Fatalf("two queued: backlog = %d, want 2", n)
	}
	if n, b := q.pending(); n != 2 || b != 3 {
		t.Fatalf("two queued: pending = %d frames, %d bytes, want 2, 3", n, b)
	}
	if _, ok := q.pop(); !ok {
		t.Fatal("pop found nothing")
	}
	if n := q.backlog(); n != 2 {
		t.Fatalf("one queued, one being sent: backlog = %d, want 2", n)
	}
	if n, b := q.pending(); n != 2 || b != 2 {
		t.Fatalf("one queued, one being sent: pending = %d frames, %d bytes, want 2, 2 (the queued one's)", n, b)
	}
	q.sent()
	if n := q.backlog(); n != 1 {
		t.Fatalf("one queued after sent: backlog = %d, want 1", n)
	}
	q.pop()
	q.sent()
	if n := q.backlog(); n != 0 {
		t.Fatalf("all sent: backlog = %d, want 0", n)
	}
}
