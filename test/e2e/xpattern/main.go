// Command xpattern paints the end-to-end tests' known pattern on the root
// window of an X display: four quadrants, red, green, blue and white. With
// -stdin it then reads lines "RRGGBB X Y W H", fills each rectangle and
// prints the Unix time in microseconds at which the X server had done it,
// for glass-to-glass latency measurements. With -motion it paints nothing
// else but a moving picture over the whole screen except the -keep
// rectangle, -fps times a second, until it is stopped (bench-compare's
// full-screen motion workload).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
)

func main() {
	display := flag.String("display", os.Getenv("DISPLAY"), "X display")
	w := flag.Int("w", 1920, "screen width")
	h := flag.Int("h", 1080, "screen height")
	stdin := flag.Bool("stdin", false, "then fill rectangles read from standard input")
	motion := flag.Bool("motion", false, "only paint a moving picture until stopped")
	fps := flag.Int("fps", 60, "frames a second with -motion")
	keep := flag.String("keep", "1700,0,220,200", "x,y,w,h left unpainted with -motion")
	flag.Parse()
	if *motion {
		var k rect
		if _, err := fmt.Sscanf(*keep, "%d,%d,%d,%d", &k.x, &k.y, &k.w, &k.h); err != nil || *fps < 1 || *fps > 240 {
			fmt.Fprintln(os.Stderr, "xpattern: -keep x,y,w,h and -fps 1..240")
			os.Exit(2)
		}
		if err := runMotion(*display, *w, *h, *fps, k); err != nil {
			fmt.Fprintln(os.Stderr, "xpattern:", err)
			os.Exit(1)
		}
		return
	}
	p, err := xvfb.NewPainter(*display)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xpattern:", err)
		os.Exit(1)
	}
	defer p.Close()
	hw, hh := *w/2, *h/2
	for _, q := range []struct {
		x, y int
		rgb  uint32
	}{{0, 0, 0xff0000}, {hw, 0, 0x00c000}, {0, hh, 0x0000ff}, {hw, hh, 0xffffff}} {
		if err := p.Fill(q.x, q.y, hw, hh, q.rgb); err != nil {
			fmt.Fprintln(os.Stderr, "xpattern:", err)
			os.Exit(1)
		}
	}
	if !*stdin {
		return
	}
	fmt.Println("ready")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var rgb string
		var x, y, rw, rh int
		if _, err := fmt.Sscanf(sc.Text(), "%s %d %d %d %d", &rgb, &x, &y, &rw, &rh); err != nil {
			fmt.Println("error", err)
			continue
		}
		c, err := strconv.ParseUint(rgb, 16, 32)
		if err != nil {
			fmt.Println("error", err)
			continue
		}
		if err := p.Fill(x, y, rw, rh, uint32(c)); err != nil {
			fmt.Println("error", err)
			continue
		}
		fmt.Println(time.Now().UnixMicro())
	}
}
