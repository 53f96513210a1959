package peer

import (
	"testing"
	"time"
)

// TestPacerSpreadsAFrame: 40 packets of 1,250 bytes at a target whose pace
// is 1 Mbit/s take about 270 ms (the 50 KB less the 16 KB burst
// allowance), not a single burst.
func TestPacerSpreadsAFrame(t *testing.T) {
	var p pacer
	rate := 1_000_000.0
	target := int64(rate/paceFactor) + 1
	start := time.Now()
	for range 40 {
		p.wait(1250, target)
	}
	took := time.Since(start)
	if took < 230*time.Millisecond || took > 600*time.Millisecond {
		t.Errorf("40 × 1250 bytes at 1 Mbit/s took %v, want about 270 ms", took)
	}
}

// TestPacerBurstAndFloor: a frame of up to paceBurstBytes after a pause
// leaves at once, and what follows at a target below the floor is paced at
// paceMinRate.
func TestPacerBurstAndFloor(t *testing.T) {
	var p pacer
	start := time.Now()
	for range 12 { // 14.4 KB: within the burst allowance
		p.wait(1200, 0)
	}
	if took := time.Since(start); took > 10*time.Millisecond {
		t.Errorf("a 14.4 KB frame after a pause waited %v", took)
	}
	start = time.Now()
	for range 10 { // 12 KB more at 500 kbit/s: ~190 ms, less what is left of the burst: ~150 ms
		p.wait(1200, 0)
	}
	if took := time.Since(start); took < 120*time.Millisecond {
		t.Errorf("10 packets at the floor rate took %v, want about 150 ms", took)
	}
}

// TestPacerEndOf: the time a frame would take, without booking it: after a
// pause the first paceBurstBytes are free, the rest go at the pace rate.
func TestPacerEndOf(t *testing.T) {
	var p pacer
	rate := 1_000_000.0
	target := int64(rate/paceFactor) + 1 // paced at 1 Mbit/s
	if d := time.Until(p.endOf(10_000, target)); d > 0 {
		t.Errorf("10 KB after a pause: done in %v, want at once", d)
	}
	d := time.Until(p.endOf(32_000, target)) // 16 KB beyond the burst: 128 ms
	if d < 100*time.Millisecond || d > 160*time.Millisecond {
		t.Errorf("32 KB after a pause: done in %v, want about 128 ms", d)
	}
	if !p.next.IsZero() {
		t.Error("endOf booked time")
	}
}
