package main

import (
	"fmt"
	"image"
	"image/png"
	"os"

	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
)

// grabPNG reads r of the root window of display (GetImage, 32 bits per
// pixel BGRX as Xvfb's depth 24 has) and writes it as PNG.
func grabPNG(display string, r image.Rectangle, path string) error {
	c, err := x11.Dial(display)
	if err != nil {
		return err
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	img := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	const band = 128
	for top := 0; top < r.Dy(); top += band {
		rows := min(band, r.Dy()-top)
		rep, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(root),
			int16(r.Min.X), int16(r.Min.Y+top), uint16(r.Dx()), uint16(rows), 0xffffffff).Reply()
		if err != nil {
			return fmt.Errorf("get image: %w", err)
		}
		if rep.Depth != 24 || len(rep.Data) != r.Dx()*rows*4 {
			return fmt.Errorf("get image: depth %d and %d bytes for %d×%d, want depth 24 at 4 bytes a pixel", rep.Depth, len(rep.Data), r.Dx(), rows)
		}
		for i := 0; i < r.Dx()*rows; i++ {
			s, d := rep.Data[i*4:], img.Pix[(top*r.Dx()+i)*4:]
			d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 255
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
