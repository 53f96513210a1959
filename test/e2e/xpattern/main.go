// Command xpattern paints the end-to-end tests' known pattern on the root
// window of an X display: four quadrants, red, green, blue and white.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/quickhelp/quickhelp/daemon/capture/xvfb"
)

func main() {
	display := flag.String("display", os.Getenv("DISPLAY"), "X display")
	w := flag.Int("w", 1920, "screen width")
	h := flag.Int("h", 1080, "screen height")
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
}
