package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
)

// rect is a rectangle in screen pixels.
type rect struct{ x, y, w, h int }

// outside returns the parts of r that do not overlap keep (at most four).
func outside(r, keep rect) []rect {
	x0, y0 := max(r.x, keep.x), max(r.y, keep.y)
	x1, y1 := min(r.x+r.w, keep.x+keep.w), min(r.y+r.h, keep.y+keep.h)
	if x0 >= x1 || y0 >= y1 {
		return []rect{r}
	}
	var out []rect
	add := func(x, y, w, h int) {
		if w > 0 && h > 0 {
			out = append(out, rect{x, y, w, h})
		}
	}
	add(r.x, r.y, r.w, y0-r.y)     // above
	add(r.x, y1, r.w, r.y+r.h-y1)  // below
	add(r.x, y0, x0-r.x, y1-y0)    // left
	add(x1, y0, r.x+r.w-x1, y1-y0) // right
	return out
}

// motionPalette: 16 colours, a hue wheel at two brightnesses.
var motionPalette = func() []uint32 {
	var p []uint32
	for i := range 16 {
		h := float64(i%8) / 8 * 6
		v := 255.0
		if i >= 8 {
			v = 140
		}
		f := h - float64(int(h))
		c := [6][3]float64{{1, f, 0}, {1 - f, 1, 0}, {0, 1, f}, {0, 1 - f, 1}, {f, 0, 1}, {1, 0, 1 - f}}[int(h)]
		p = append(p, uint32(c[0]*v)<<16|uint32(c[1]*v)<<8|uint32(c[2]*v))
	}
	return p
}()

// motionFrame returns, for each palette colour, the cells of a grid of
// cell×cell squares translated by (dx, dy) pixels, clipped to the screen
// and to everything outside keep. A cell's colour follows its grid
// position, so from frame to frame the whole picture moves.
func motionFrame(sw, sh, cell, dx, dy int, keep rect) [][]xproto.Rectangle {
	byColour := make([][]xproto.Rectangle, len(motionPalette))
	ox, oy := dx%cell, dy%cell
	for j := -1; j*cell+oy < sh; j++ {
		for i := -1; i*cell+ox < sw; i++ {
			x, y := i*cell+ox, j*cell+oy
			r := rect{max(x, 0), max(y, 0), 0, 0}
			r.w, r.h = min(x+cell, sw)-r.x, min(y+cell, sh)-r.y
			if r.w <= 0 || r.h <= 0 {
				continue
			}
			gi, gj := i-dx/cell, j-dy/cell
			c := ((gi*7+gj*3)%16 + 16) % 16
			for _, p := range outside(r, keep) {
				byColour[c] = append(byColour[c], xproto.Rectangle{X: int16(p.x), Y: int16(p.y), Width: uint16(p.w), Height: uint16(p.h)})
			}
		}
	}
	return byColour
}

// runMotion repaints the whole screen but keep at fps until SIGTERM or
// SIGINT, each frame a grid of coloured squares moved by (4, 2) pixels,
// and waits for the X server to have drawn each frame before the next
// (a frame that is not done by the next tick delays the ones after it).
// On exit it prints the frames painted and the seconds it painted for.
func runMotion(display string, sw, sh, fps int, keep rect) error {
	c, err := x11.Dial(display)
	if err != nil {
		return err
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	gc, err := xproto.NewGcontextId(c)
	if err != nil {
		return fmt.Errorf("gc id: %w", err)
	}
	if err := xproto.CreateGCChecked(c, gc, xproto.Drawable(root), 0, nil).Check(); err != nil {
		return fmt.Errorf("create gc: %w", err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	fmt.Println("ready")
	painted, start := 0, time.Now()
	for n := 0; ; n++ {
		select {
		case <-stop:
			fmt.Printf("painted %d in %.3f s\n", painted, time.Since(start).Seconds())
			return nil
		case <-tick.C:
		}
		for i, rs := range motionFrame(sw, sh, 60, 4*n, 2*n, keep) {
			if len(rs) == 0 {
				continue
			}
			xproto.ChangeGC(c, gc, xproto.GcForeground, []uint32{motionPalette[i]})
			xproto.PolyFillRectangle(c, xproto.Drawable(root), gc, rs)
		}
		// A round trip: the frame is drawn before the next is sent.
		if _, err := xproto.GetInputFocus(c).Reply(); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
		painted++
	}
}
