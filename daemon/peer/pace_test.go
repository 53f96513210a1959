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
