package capture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Pattern is an in-memory Source for other packages' tests: a test double,
// not a capturer. Every call to Next returns a new frame of a known
// pattern (vertical colour bars with a grey square moving 8 pixels to the
// right per frame) without blocking, so encoders and pipelines can be
// exercised without an X server. The real X11 Source is tested on Xvfb.
type Pattern struct {
	mu    sync.Mutex // guards everything below
	img   Image
	frame int
	still bool
	shape bool
}

// NewPattern returns a Pattern of w×h pixels.
func NewPattern(w, h int) *Pattern {
	return &Pattern{img: Image{Width: w, Height: h, Stride: w * 4, Pix: make([]byte, w*h*4)}}
}

// bars are the colours of the pattern's vertical bars, as 0xRRGGBB.
var bars = [...]uint32{0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000}

// SetStill stops (true) or restarts the moving square: with a still
// pattern Next returns identical frames.
func (p *Pattern) SetStill(still bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.still = still
}

// DrawPattern fills img with frame n of the Pattern test image, for tests
// that need the expected pixels.
func DrawPattern(img *Image, n int) {
	w, h := img.Width, img.Height
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			c := bars[x*len(bars)/w]
			o := x * 4
			row[o], row[o+1], row[o+2], row[o+3] = byte(c), byte(c>>8), byte(c>>16), 0xff
		}
	}
	side := max(8, min(w, h)/8)
	x0, y0 := (n*8)%max(1, w-side), (h-side)/2
	for y := y0; y < y0+side && y < h; y++ {
		for x := x0; x < x0+side && x < w; x++ {
			o := y*img.Stride + x*4
			img.Pix[o], img.Pix[o+1], img.Pix[o+2] = 0x80, 0x80, 0x80
		}
	}
}

// Monitors reports one monitor of the pattern's size.
func (p *Pattern) Monitors() []wire.Monitor {
	return []wire.Monitor{{Name: "pattern", Width: p.img.Width, Height: p.img.Height, Primary: true}}
}

// SetMonitor accepts only monitor 0.
func (p *Pattern) SetMonitor(i int) error {
	if i != 0 {
		return fmt.Errorf("%w: %d", ErrBadMonitor, i)
	}
	return nil
}

// Next draws and returns the next frame at once.
func (p *Pattern) Next(ctx context.Context) (*Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	DrawPattern(&p.img, p.frame)
	if !p.still {
		p.frame++
	}
	p.img.Captured = time.Now()
	return &p.img, nil
}

// ForceNext does nothing: Next never blocks.
func (p *Pattern) ForceNext() {}

// Cursor reports the pointer in the middle of the pattern and, on the
// first call, a 2×2 shape.
func (p *Pattern) Cursor() (wire.Cursor, *wire.Cursor, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pos := wire.Cursor{T: wire.CursorPosition, X: 0.5, Y: 0.5, Visible: true}
	if p.shape {
		return pos, nil, nil
	}
	p.shape = true
	shape, err := cursorShape(2, 2, 0, 0, []uint32{0xff000000, 0xffffffff, 0xffffffff, 0xff000000}, 1)
	return pos, shape, err
}

// Close does nothing.
func (p *Pattern) Close() error { return nil }

var _ Source = (*Pattern)(nil)

// TextPage returns w×h BGRA pixels of text-like content (dark glyph blocks
// on white lines, reproducible from seed), a page to scroll through like a
// browser or editor: the test and benchmark content for screen coding.
func TextPage(w, h int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	pix := make([]byte, w*h*4)
	for i := range pix {
		pix[i] = 0xff
	}
	for line := 0; line+14 < h; line += 20 {
		for x := 16; x+8 < w-16; {
			word := 2 + r.IntN(8)
			for c := 0; c < word && x+8 < w-16; c++ {
				shade := byte(r.IntN(80))
				for y := line + 3 + r.IntN(3); y < line+14; y++ {
					for dx := 1; dx < 7; dx++ {
						if r.IntN(3) > 0 {
							o := y*w*4 + (x+dx)*4
							pix[o], pix[o+1], pix[o+2] = shade, shade, shade
						}
					}
				}
				x += 8
			}
			x += 8
		}
	}
	return pix
}
