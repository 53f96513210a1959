// Command xpattern paints the end-to-end tests' known pattern on the root
// window of an X display: four quadrants, red, green, blue and white. With
// -stdin it then reads lines "RRGGBB X Y W H", fills each rectangle and
// prints the Unix time in microseconds at which the X server had done it,
// for glass-to-glass latency measurements.
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
	flag.Parse()
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
