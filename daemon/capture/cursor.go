package capture

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/quickhelp/quickhelp/wire"
)

// cursorPosition normalises the screen point (x, y) to monitor m. A point
// off the monitor is reported invisible and clamped, so the message still
// passes wire validation.
func cursorPosition(x, y int, m wire.Monitor) wire.Cursor {
	c := wire.Cursor{T: wire.CursorPosition}
	if m.Width <= 0 || m.Height <= 0 {
		return c
	}
	rx, ry := x-m.X, y-m.Y
	c.Visible = rx >= 0 && ry >= 0 && rx < m.Width && ry < m.Height
	c.X = clamp01(float64(rx) / float64(m.Width))
	c.Y = clamp01(float64(ry) / float64(m.Height))
	return c
}

func clamp01(v float64) float64 {
	switch {
	case v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}

// cursorShape encodes a premultiplied ARGB cursor image (XFixes order, one
// uint32 per pixel) as a wire shape message with a PNG.
func cursorShape(w, h, hotX, hotY int, argb []uint32, serial uint32) (*wire.Cursor, error) {
	if w <= 0 || h <= 0 || w > wire.MaxCursorSize || h > wire.MaxCursorSize || len(argb) < w*h {
		return nil, fmt.Errorf("%w: cursor %dx%d", ErrUnsupported, w, h)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i, p := range argb[:w*h] {
		a := p >> 24
		r, g, b := (p>>16)&0xff, (p>>8)&0xff, p&0xff
		if a != 0 && a != 255 { // un-premultiply for PNG's straight alpha
			r, g, b = min(255, r*255/a), min(255, g*255/a), min(255, b*255/a)
		}
		o := i * 4
		img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = byte(r), byte(g), byte(b), byte(a)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("cursor png: %w", err)
	}
	return &wire.Cursor{
		T: wire.CursorShape, W: w, H: h,
		HotX: min(max(hotX, 0), w-1), HotY: min(max(hotY, 0), h-1),
		PNG: buf.Bytes(), Serial: serial,
	}, nil
}
