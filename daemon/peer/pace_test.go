package peer

import (
	"testing"
	"time"
)

// TestPacerSpreadsAFrame: 40 packets of 1,250 bytes at a target whose pace
// is 1 Mbit/s take about 400 ms (less the 10 ms burst allowance), not a
// single burst.
func TestPacerSpreadsAFrame(t *testing.T) {
	var p pacer
	rate := 1_000_000.0
	target := int64(rate/paceFactor) + 1
	start := time.Now()
	for range 40 {
		p.wait(1250, target)
	}
	took := time.Since(start)
	if took < 350*time.Millisecond || took > 700*time.Millisecond {
		t.Errorf("40 × 1250 bytes at 1 Mbit/s took %v, want about 390 ms", took)
	}
}

// TestPacerBurstAndFloor: a small frame after a pause leaves at once, and a
// target below the floor is paced at paceMinRate.
func TestPacerBurstAndFloor(t *testing.T) {
	var p pacer
	start := time.Now()
	p.wait(1200, 0) // the floor: 1200 bytes take 19 ms, within the burst's first packet
	if took := time.Since(start); took > 5*time.Millisecond {
		t.Errorf("first packet waited %v", took)
	}
	start = time.Now()
	for range 10 { // 12 KB at 500 kbit/s: ~190 ms, minus what the burst allows
		p.wait(1200, 0)
	}
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("10 packets at the floor rate took %v, want at least 150 ms", took)
	}
}

// TestPacerShortPathBurst: on a short path a frame of up to paceBurstBytes
// after a pause leaves at once, and what follows is paced at no less than
// paceShortMinRate.
func TestPacerShortPathBurst(t *testing.T) {
	p := pacer{short: true}
	start := time.Now()
	for range 12 { // 14.4 KB: within the burst allowance
		p.wait(1200, 0)
	}
	if took := time.Since(start); took > 10*time.Millisecond {
		t.Errorf("a 14.4 KB frame after a pause waited %v", took)
	}
	start = time.Now()
	for range 150 { // 180 KB more at 25 Mbit/s: ~58 ms, less what is left of the 10 ms burst: ~50 ms
		p.wait(1200, 0)
	}
	if took := time.Since(start); took < 35*time.Millisecond || took > 150*time.Millisecond {
		t.Errorf("180 KB at the short path's floor took %v, want about 50 ms", took)
	}
}

// TestPacerEndOf: the time a frame would take, without booking it: on a
// short path at least paceShortMinRate and 10 ms of it free after a pause;
// on a long path the target's pace, 10 ms of it free.
func TestPacerEndOf(t *testing.T) {
	rate := 1_000_000.0
	target := int64(rate/paceFactor) + 1 // paced at 1 Mbit/s on a long path
	p := pacer{short: true}
	if d := time.Until(p.endOf(10_000, target)); d > 0 {
		t.Errorf("short path, 10 KB after a pause: done in %v, want at once", d)
	}
	d := time.Until(p.endOf(100_000, target)) // 100 KB at 25 Mbit/s: 32 ms, less 10
	if d < 15*time.Millisecond || d > 35*time.Millisecond {
		t.Errorf("short path, 100 KB after a pause: done in %v, want about 22 ms", d)
	}
	long := pacer{}
	d = time.Until(long.endOf(10_000, target)) // 80 ms less 10
	if d < 55*time.Millisecond || d > 90*time.Millisecond {
		t.Errorf("long path, 10 KB after a pause: done in %v, want about 70 ms", d)
	}
	if !p.next.IsZero() || !long.next.IsZero() {
		t.Error("endOf booked time")
	}
}
