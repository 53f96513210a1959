// Command quality compares the text area of two screenshots for
// bench-compare's legibility figures: SSIM (11×11 Gaussian windows on BT.601
// luma, the usual constants) and PSNR of luma, printed as JSON. With -grab it
// instead saves a rectangle of an X display's root window as PNG.
//
//	quality -a sharer.png -b helper.png -rect x,y,w,h
//	quality -grab sharer.png -display :175 -rect x,y,w,h
//
// The -rect of -a/-b is in the PNGs' coordinates.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
)

func main() {
	a := flag.String("a", "", "reference PNG (the sharer's screen)")
	b := flag.String("b", "", "PNG compared with it (the helper's canvas)")
	rect := flag.String("rect", "", "x,y,w,h compared or grabbed (default: all of -a)")
	grab := flag.String("grab", "", "save the -rect of -display's root window to this PNG")
	display := flag.String("display", os.Getenv("DISPLAY"), "X display for -grab")
	flag.Parse()
	var r image.Rectangle
	if *rect != "" {
		var x, y, w, h int
		if _, err := fmt.Sscanf(*rect, "%d,%d,%d,%d", &x, &y, &w, &h); err != nil || w <= 0 || h <= 0 {
			fail(fmt.Errorf("-rect %q: want x,y,w,h", *rect))
		}
		r = image.Rect(x, y, x+w, y+h)
	}
	if *grab != "" {
		if r.Empty() {
			fail(fmt.Errorf("-grab needs -rect"))
		}
		fail(grabPNG(*display, r, *grab))
		return
	}
	res, err := compare(*a, *b, r)
	fail(err)
	fail(json.NewEncoder(os.Stdout).Encode(res))
}

// Result is what is printed; PSNR of identical images is null.
type Result struct {
	SSIM   float64  `json:"ssim"`
	PSNRdB *float64 `json:"psnr_db"`
	W      int      `json:"w"`
	H      int      `json:"h"`
}

func compare(pa, pb string, r image.Rectangle) (Result, error) {
	ia, err := load(pa)
	if err != nil {
		return Result{}, err
	}
	ib, err := load(pb)
	if err != nil {
		return Result{}, err
	}
	if r.Empty() {
		r = ia.Bounds()
	}
	if !r.In(ia.Bounds()) || !r.In(ib.Bounds()) {
		return Result{}, fmt.Errorf("rectangle %v is not inside %v and %v", r, ia.Bounds(), ib.Bounds())
	}
	if r.Dx() < 2*ssimRadius+1 || r.Dy() < 2*ssimRadius+1 {
		return Result{}, fmt.Errorf("rectangle %v is smaller than the SSIM window", r)
	}
	la, lb := LumaOf(ia, r), LumaOf(ib, r)
	res := Result{SSIM: math.Round(SSIM(la, lb)*1e5) / 1e5, W: r.Dx(), H: r.Dy()}
	if p := PSNR(la, lb); !math.IsInf(p, 1) {
		p = math.Round(p*100) / 100
		res.PSNRdB = &p
	}
	return res, nil
}

func load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "quality:", err)
		os.Exit(1)
	}
}
