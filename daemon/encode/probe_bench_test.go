package encode

import (
	"fmt"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
)

// probeColours are bench-compare's probe colours (B, G, R order).
var probeColours = [][3]byte{{0xff, 0x00, 0xff}, {0xff, 0xff, 0x00}, {0x00, 0xff, 0xff}, {0x80, 0x00, 0x80}, {0x80, 0x80, 0x00}, {0x00, 0x80, 0xff}}

// fillSquare paints bench-compare's probe: a 160 px square at (1740, 20).
func fillSquare(pix []byte, stride int, c [3]byte) {
	x0, y0 := 1740, 20
	for y := y0; y < y0+160; y++ {
		for x := x0; x < x0+160; x++ {
			o := y*stride + x*4
			pix[o], pix[o+1], pix[o+2], pix[o+3] = c[0], c[1], c[2], 0xff
		}
	}
}

// BenchmarkEncodeProbe is bench-compare's static workload without the
// browser: a still page of text where only the probe square changes
// colour every 700 ms; each change is encoded, then the picture is encoded
// again every 100 ms while the encoder is refining (as the sharer does).
// It reports the bytes and frames each change costs.
func BenchmarkEncodeProbe(b *testing.B) {
	for _, cpu := range []int{8, 12, 16} {
		b.Run(fmt.Sprintf("cpu-used=%d", cpu), func(b *testing.B) { benchProbe(b, cpu) })
	}
}

func benchProbe(b *testing.B, cpu int) {
	doc := capture.TextPage(benchW, benchH, 1)
	pix := append([]byte(nil), doc...)
	probeBackground(pix, benchW*4)
	e, err := NewVP8(Config{Width: benchW, Height: benchH, CPUUsed: cpu})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	at := time.Unix(1_700_000_000, 0)
	encode := func() int {
		out, _, err := e.EncodeBGRA(pix, benchW*4, at, false)
		if err != nil {
			b.Fatal(err)
		}
		return len(out)
	}
	// change paints the next colour and encodes until the encoder stops
	// refining; it returns the bytes of the first frame, of the rest and
	// how many frames were sent.
	change := func(n int) (first, rest, frames int) {
		fillSquare(pix, benchW*4, probeColours[n%len(probeColours)])
		first = encode()
		frames = 1
		elapsed := time.Duration(0)
		for e.Refining() && elapsed < 600*time.Millisecond {
			at = at.Add(100 * time.Millisecond)
			elapsed += 100 * time.Millisecond
			if s := encode(); s > 0 {
				rest += s
				frames++
			}
		}
		at = at.Add(700*time.Millisecond - elapsed)
		return first, rest, frames
	}
	for n := range 12 { // the first picture and its refinement
		change(n)
	}
	var first, rest, frames, n int
	for b.Loop() {
		f, r, fr := change(n)
		first += f
		rest += r
		frames += fr
		n++
	}
	b.ReportMetric(float64(first)/float64(n), "first-B/change")
	b.ReportMetric(float64(rest)/float64(n), "refine-B/change")
	b.ReportMetric(float64(frames)/float64(n), "frames/change")
	b.ReportMetric(float64(first+rest)*8/float64(n)/0.7/1000, "kbit/s")
}

// probeBackground paints bench-compare's root window (#202020) right of
// its terminal, where the probe is.
func probeBackground(pix []byte, stride int) {
	for y := 0; y < 400; y++ {
		for x := 1700; x < benchW; x++ {
			o := y*stride + x*4
			pix[o], pix[o+1], pix[o+2], pix[o+3] = 0x20, 0x20, 0x20, 0xff
		}
	}
}
