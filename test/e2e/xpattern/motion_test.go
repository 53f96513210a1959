package main

import "testing"

func TestMotionFrameCoversAllButKeep(t *testing.T) {
	const sw, sh = 320, 200
	keep := rect{250, 0, 70, 60}
	for _, n := range []int{0, 1, 17, 100} {
		var cover [sw * sh]int
		for _, rs := range motionFrame(sw, sh, 60, 4*n, 2*n, keep) {
			for _, r := range rs {
				for y := int(r.Y); y < int(r.Y)+int(r.Height); y++ {
					for x := int(r.X); x < int(r.X)+int(r.Width); x++ {
						cover[y*sw+x]++
					}
				}
			}
		}
		for y := range sh {
			for x := range sw {
				in := x >= keep.x && x < keep.x+keep.w && y >= keep.y && y < keep.y+keep.h
				want := 1
				if in {
					want = 0
				}
				if got := cover[y*sw+x]; got != want {
					t.Fatalf("frame %d: pixel (%d,%d) painted %d times, want %d", n, x, y, got, want)
				}
			}
		}
	}
}

func TestMotionFrameMoves(t *testing.T) {
	// The colour of a pattern cell moves with the offset: the cell drawn
	// at (0,0) in frame 0 is drawn at (60,30) once moved by (60,30).
	colourAt := func(dx, dy, x, y int) int {
		for c, rs := range motionFrame(300, 200, 60, dx, dy, rect{}) {
			for _, r := range rs {
				if x >= int(r.X) && x < int(r.X)+int(r.Width) && y >= int(r.Y) && y < int(r.Y)+int(r.Height) {
					return c
				}
			}
		}
		return -1
	}
	if a, b := colourAt(0, 0, 10, 10), colourAt(60, 30, 70, 40); a != b || a < 0 {
		t.Errorf("colour at (10,10) = %d, moved by (60,30) at (70,40) = %d, want equal", a, b)
	}
	if a, b := colourAt(0, 0, 10, 10), colourAt(0, 0, 70, 10); a == b {
		t.Errorf("neighbouring cells share colour %d", a)
	}
}
