package capture

import "fmt"

// Windows cursor images come in three forms, from GDI (GetIconInfo's
// bitmaps, read as 32-bit BGRA rows with GetDIBits) and from Desktop
// Duplication's pointer shapes alike. These turn them into premultiplied
// ARGB for cursorShape. Straight alpha is assumed for colour cursors, as
// Windows draws them.

// DXGI_OUTDUPL_POINTER_SHAPE_TYPE values.
const (
	dxgiPointerMonochrome  = 1
	dxgiPointerColor       = 2
	dxgiPointerMaskedColor = 4
)

// Opaque colours of monochrome cursors.
const (
	argbBlack = 0xff000000
	argbWhite = 0xffffffff
)

// monoPixel is one pixel of an AND/XOR cursor: AND set and XOR clear shows
// the screen (transparent); AND clear draws black or white; both set
// inverts the screen, which an image cannot do: drawn black, so an I-beam
// stays visible.
func monoPixel(and, xor bool) uint32 {
	switch {
	case and && !xor:
		return 0
	case !and && xor:
		return argbWhite
	}
	return argbBlack
}

// premultiply turns straight-alpha BGRA bytes into premultiplied ARGB.
func premultiply(b, g, r, a byte) uint32 {
	if a != 255 {
		r = byte(uint32(r) * uint32(a) / 255)
		g = byte(uint32(g) * uint32(a) / 255)
		b = byte(uint32(b) * uint32(a) / 255)
	}
	return uint32(a)<<24 | uint32(r)<<16 | uint32(g)<<8 | uint32(b)
}

// iconARGB converts a GDI cursor: color holds w×h BGRA pixels (nil for a
// monochrome cursor), mask the AND mask as BGRA pixels, w×h for a colour
// cursor and w×2h (AND above XOR) for a monochrome one. A colour cursor
// without any alpha takes its transparency from the mask.
func iconARGB(color, mask []byte, w, h int) ([]uint32, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: cursor %dx%d", ErrUnsupported, w, h)
	}
	set := func(b []byte, i int) bool { return b[i*4] > 127 || b[i*4+1] > 127 || b[i*4+2] > 127 }
	out := make([]uint32, w*h)
	if color == nil {
		if len(mask) < w*h*2*4 {
			return nil, fmt.Errorf("%w: monochrome cursor mask of %d bytes", ErrUnsupported, len(mask))
		}
		for i := range out {
			out[i] = monoPixel(set(mask, i), set(mask, i+w*h))
		}
		return out, nil
	}
	if len(color) < w*h*4 || len(mask) < w*h*4 {
		return nil, fmt.Errorf("%w: colour cursor of %d and %d bytes", ErrUnsupported, len(color), len(mask))
	}
	alpha := false
	for i := 0; i < w*h; i++ {
		if color[i*4+3] != 0 {
			alpha = true
			break
		}
	}
	for i := range out {
		a := color[i*4+3]
		if !alpha {
			a = 255
			if set(mask, i) {
				a = 0
			}
		}
		out[i] = premultiply(color[i*4], color[i*4+1], color[i*4+2], a)
	}
	return out, nil
}

// dxgiPointerARGB converts a Desktop Duplication pointer shape of type typ:
// w×h pixels (a monochrome shape's buffer is 2h rows of 1-bit pixels, AND
// above XOR), rows pitch bytes apart.
func dxgiPointerARGB(typ uint32, w, h, pitch int, buf []byte) ([]uint32, error) {
	if w <= 0 || h <= 0 || pitch <= 0 {
		return nil, fmt.Errorf("%w: pointer %dx%d pitch %d", ErrUnsupported, w, h, pitch)
	}
	out := make([]uint32, w*h)
	switch typ {
	case dxgiPointerMonochrome:
		if pitch < (w+7)/8 || len(buf) < pitch*h*2 {
			return nil, fmt.Errorf("%w: monochrome pointer of %d bytes", ErrUnsupported, len(buf))
		}
		bit := func(row, x int) bool { return buf[row*pitch+x/8]&(0x80>>(x%8)) != 0 }
		for y := range h {
			for x := range w {
				out[y*w+x] = monoPixel(bit(y, x), bit(y+h, x))
			}
		}
	case dxgiPointerColor, dxgiPointerMaskedColor:
		if pitch < w*4 || len(buf) < pitch*(h-1)+w*4 {
			return nil, fmt.Errorf("%w: colour pointer of %d bytes", ErrUnsupported, len(buf))
		}
		for y := range h {
			for x := range w {
				p := buf[y*pitch+x*4:]
				if typ == dxgiPointerColor {
					out[y*w+x] = premultiply(p[0], p[1], p[2], p[3])
					continue
				}
				// Masked colour: alpha 0 replaces the screen with the
				// colour, 0xFF XORs it: black XOR shows the screen,
				// anything else is drawn as it is.
				switch {
				case p[3] == 0:
					out[y*w+x] = premultiply(p[0], p[1], p[2], 255)
				case p[0]|p[1]|p[2] == 0:
					out[y*w+x] = 0
				default:
					out[y*w+x] = premultiply(p[0], p[1], p[2], 255)
				}
			}
		}
	default:
		return nil, fmt.Errorf("%w: pointer shape type %d", ErrUnsupported, typ)
	}
	return out, nil
}
