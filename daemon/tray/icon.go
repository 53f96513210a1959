package tray

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
)

// iconSize is the drawn icon's size; tray hosts scale it.
const iconSize = 32

// iconPNG draws the tray icon: a filled circle in the given colour with a
// white ring, readable on light and dark panels.
func iconPNG(fill color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, iconSize, iconSize))
	c := float64(iconSize-1) / 2
	for y := 0; y < iconSize; y++ {
		for x := 0; x < iconSize; x++ {
			dx, dy := float64(x)-c, float64(y)-c
			switch d := dx*dx + dy*dy; {
			case d <= 11*11:
				img.SetRGBA(x, y, fill)
			case d <= 15*15:
				img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // writing to a bytes.Buffer cannot fail
	return b.Bytes()
}

// icoFromPNG wraps a PNG in a one-image .ico container, which Windows
// (Vista and later) loads as an icon.
func icoFromPNG(p []byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&b, le, [3]uint16{0, 1, 1}) // reserved, type icon, count
	b.Write([]byte{iconSize, iconSize, 0, 0})    // width, height, palette, reserved
	_ = binary.Write(&b, le, [2]uint16{1, 32})   // planes, bits per pixel
	_ = binary.Write(&b, le, [2]uint32{uint32(len(p)), 6 + 16})
	b.Write(p)
	return b.Bytes()
}

// Icon colours: blue while sharing, amber while the helper has control
// (so the sharer sees at a glance that someone else drives the mouse).
var (
	colorSharing = color.RGBA{0x1f, 0x6f, 0xd0, 0xff}
	colorControl = color.RGBA{0xe0, 0x8a, 0x00, 0xff}
)
