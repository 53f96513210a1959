package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

// logoSizes are the visual assets the manifest template refers to.
var logoSizes = []struct {
	name string
	size int
}{
	{"Assets/StoreLogo.png", 50},
	{"Assets/Square44x44Logo.png", 44},
	{"Assets/Square150x150Logo.png", 150},
}

// Logos scales the square PNG at path to the package's logo sizes.
func Logos(path string) ([]File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("icon %s: %w", path, err)
	}
	var files []File
	for _, l := range logoSizes {
		var buf bytes.Buffer
		if err := png.Encode(&buf, scale(src, l.size)); err != nil {
			return nil, err
		}
		files = append(files, File{Name: l.name, Content: buf.Bytes()})
	}
	return files, nil
}

// scale resizes src to n×n by averaging the source pixels that fall in
// each target pixel (good enough for downscaling an icon).
func scale(src image.Image, n int) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		y0, y1 := b.Min.Y+y*b.Dy()/n, b.Min.Y+max((y+1)*b.Dy()/n, y*b.Dy()/n+1)
		for x := 0; x < n; x++ {
			x0, x1 := b.Min.X+x*b.Dx()/n, b.Min.X+max((x+1)*b.Dx()/n, x*b.Dx()/n+1)
			var r, g, bl, a, count uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					c := color.NRGBAModel.Convert(src.At(sx, sy)).(color.NRGBA)
					r, g, bl, a = r+uint64(c.R), g+uint64(c.G), bl+uint64(c.B), a+uint64(c.A)
					count++
				}
			}
			dst.SetNRGBA(x, y, color.NRGBA{uint8(r / count), uint8(g / count), uint8(bl / count), uint8(a / count)})
		}
	}
	return dst
}
