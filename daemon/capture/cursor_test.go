package capture

import (
	"bytes"
	"encoding/json"
	"image/png"
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

func TestCursorPosition(t *testing.T) {
	right := wire.Monitor{X: 1920, Y: 0, Width: 1280, Height: 1024}
	tests := []struct {
		name       string
		x, y       int
		m          wire.Monitor
		wantX      float64
		wantY      float64
		wantVisble bool
	}{
		{"centre", 960, 540, wire.Monitor{Width: 1920, Height: 1080}, 0.5, 0.5, true},
		{"origin", 0, 0, wire.Monitor{Width: 1920, Height: 1080}, 0, 0, true},
		{"second monitor", 1920 + 320, 512, right, 0.25, 0.5, true},
		{"left of second monitor", 100, 100, right, 0, 100.0 / 1024, false},
		{"below", 10, 5000, wire.Monitor{Width: 1920, Height: 1080}, 10.0 / 1920, 1, false},
		{"empty monitor", 1, 1, wire.Monitor{}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cursorPosition(tt.x, tt.y, tt.m)
			if c.X != tt.wantX || c.Y != tt.wantY || c.Visible != tt.wantVisble {
				t.Errorf("cursorPosition(%d, %d, %+v) = (%v, %v, %v), want (%v, %v, %v)",
					tt.x, tt.y, tt.m, c.X, c.Y, c.Visible, tt.wantX, tt.wantY, tt.wantVisble)
			}
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wire.DecodeCursor(b); err != nil {
				t.Errorf("wire.DecodeCursor(%s) = %v", b, err)
			}
		})
	}
}

func TestCursorShape(t *testing.T) {
	// 2x1: opaque red, half-transparent premultiplied white.
	shape, err := cursorShape(2, 1, 1, 0, []uint32{0xffff0000, 0x80808080}, 7)
	if err != nil {
		t.Fatalf("cursorShape: %v", err)
	}
	b, err := json.Marshal(shape)
	if err != nil {
		t.Fatal(err)
	}
	got, err := wire.DecodeCursor(b)
	if err != nil {
		t.Fatalf("wire.DecodeCursor: %v", err)
	}
	if got.W != 2 || got.H != 1 || got.HotX != 1 || got.Serial != 7 {
		t.Errorf("shape = %dx%d hot %d serial %d, want 2x1 hot 1 serial 7", got.W, got.H, got.HotX, got.Serial)
	}
	img, err := png.Decode(bytes.NewReader(got.PNG))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	tests := []struct {
		x          int
		r, g, b, a uint32
	}{
		{0, 255, 0, 0, 255},
		{1, 255, 255, 255, 128},
	}
	for _, tt := range tests {
		c := img.At(tt.x, 0)
		r, g, b, a := c.RGBA() // premultiplied, 16-bit
		if a>>8 != tt.a || (a != 0 && (r*255/a != tt.r || g*255/a != tt.g || b*255/a != tt.b)) {
			t.Errorf("pixel %d = %v, want straight (%d,%d,%d,%d)", tt.x, c, tt.r, tt.g, tt.b, tt.a)
		}
	}

	bad := []struct {
		name string
		w, h int
		argb []uint32
	}{
		{"zero", 0, 1, nil},
		{"too big", wire.MaxCursorSize + 1, 1, make([]uint32, wire.MaxCursorSize+1)},
		{"short data", 2, 2, []uint32{1}},
	}
	for _, tt := range bad {
		if _, err := cursorShape(tt.w, tt.h, 0, 0, tt.argb, 1); err == nil {
			t.Errorf("cursorShape(%s) = nil error, want error", tt.name)
		}
	}
}

func TestPatternIsADeterministicSource(t *testing.T) {
	p := NewPattern(64, 32)
	ctx := t.Context()
	a, err := p.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := append([]byte(nil), a.Pix...)
	// Bar 0 is white, bar 5 (x = 40..47) red: BGRA 00 00 ff ff.
	if o := 2*a.Stride + 42*4; !bytes.Equal(a.Pix[o:o+4], []byte{0, 0, 0xff, 0xff}) {
		t.Errorf("pixel (42, 2) = % x, want 00 00 ff ff", a.Pix[o:o+4])
	}
	b, _ := p.Next(ctx)
	if bytes.Equal(first, b.Pix) {
		t.Error("moving pattern: consecutive frames are identical")
	}
	p.SetStill(true)
	c, _ := p.Next(ctx)
	still := append([]byte(nil), c.Pix...)
	d, _ := p.Next(ctx)
	if !bytes.Equal(still, d.Pix) {
		t.Error("still pattern: consecutive frames differ")
	}
	if err := p.SetMonitor(1); err == nil {
		t.Error("SetMonitor(1) = nil, want error")
	}
	if _, shape, _ := p.Cursor(); shape == nil {
		t.Error("first Cursor() has no shape")
	}
	if _, shape, _ := p.Cursor(); shape != nil {
		t.Error("second Cursor() has a shape")
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{}, true},
		{"negative fps", Config{MaxFPS: -1}, false},
		{"huge fps", Config{MaxFPS: 1000}, false},
		{"negative monitor", Config{Monitor: -1}, false},
		{"monitor past the wire limit", Config{Monitor: wire.MaxMonitors}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			err := cfg.normalise()
			if (err == nil) != tt.ok {
				t.Errorf("normalise(%+v) = %v, want ok=%v", tt.cfg, err, tt.ok)
			}
			if err == nil && (cfg.MaxFPS == 0 || cfg.Logger == nil) {
				t.Errorf("normalise left defaults unset: %+v", cfg)
			}
		})
	}
}
