package overlay

import (
	"fmt"
	"image"
	"log/slog"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shape"
	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/wire"
)

// X11Config configures NewX11.
type X11Config struct {
	// Display is the X display (":0"); empty means $DISPLAY.
	Display string
	// Monitor reports the shared monitor in screen pixels. Optional: nil,
	// or a monitor with no size, means the whole X screen. It is called on
	// every Apply, so the overlay follows a switch of the shared monitor.
	Monitor func() wire.Monitor
	// Logger is optional; nil means slog.Default().
	Logger *slog.Logger
	// Now is optional; nil means time.Now.
	Now func() time.Time
	// LaserTimeout is how long the laser dot stays after the last laser
	// message. Optional: zero means 600 ms (the protocol promises < 1 s).
	LaserTimeout time.Duration
}

// Timing of the X11 owner loop.
const (
	minRaiseGap = 200 * time.Millisecond // between two restacks
	eventQueue  = 64                     // X events waiting for the owner
)

// X11 draws annotations in an override-redirect, shaped X window above
// every other window: its bounding shape is exactly the stroke pixels (so
// everything else shows through, also without a compositor and also in
// screen capture) and its input shape is empty (so every click goes to
// the windows below). It never takes focus.
//
// One goroutine owns all drawing: Apply only changes the scene under mu
// and wakes it, so a burst of stroke messages costs one shape update.
type X11 struct {
	logger       *slog.Logger
	now          func() time.Time
	monitor      func() wire.Monitor
	laserTimeout time.Duration

	conn   *xgb.Conn
	root   xproto.Window
	screen image.Rectangle // the X screen, to clamp monitors
	visual xproto.VisualInfo
	win    xproto.Window
	maskGC xproto.Gcontext // on the depth-1 mask pixmap
	winGC  xproto.Gcontext // on the window

	board
}

// NewX11 connects to the X display and creates the (still empty) overlay
// window. It fails with ErrNoDisplay when the display cannot be reached
// and ErrUnsupported when it lacks the SHAPE extension.
func NewX11(cfg X11Config) (*X11, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LaserTimeout <= 0 {
		cfg.LaserTimeout = defaultLaserTimeout
	}
	conn, err := x11.Dial(cfg.Display)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDisplay, err)
	}
	o := &X11{
		logger:       cfg.Logger.With("component", "overlay"),
		now:          cfg.Now,
		monitor:      cfg.Monitor,
		laserTimeout: cfg.LaserTimeout,
		conn:         conn,
		board:        newBoard(),
	}
	if err := o.setup(); err != nil {
		conn.Close()
		return nil, err
	}
	events := make(chan xgb.Event, eventQueue)
	o.wg.Add(2)
	go o.readEvents(events)
	go o.run(events)
	return o, nil
}

func (o *X11) setup() error {
	// SHAPE 1.1 or later: its input shapes make the window click-through.
	if err := x11.Enable(o.conn, x11.Shape); err != nil {
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	scr := xproto.Setup(o.conn).DefaultScreen(o.conn)
	o.root = scr.Root
	o.screen = image.Rect(0, 0, int(scr.WidthInPixels), int(scr.HeightInPixels))
	vi, err := visualInfo(o.conn, scr)
	if err != nil {
		return err
	}
	o.visual = vi
	o.mon = o.currentMonitor()
	o.scene = newScene(o.mon.Dx(), o.mon.Dy())

	if o.win, err = xproto.NewWindowId(o.conn); err != nil {
		return fmt.Errorf("overlay: window id: %w", err)
	}
	// No background (so the server never paints over strokes), override
	// redirect (no window manager frame, focus or stacking policy), save
	// under as a hint that it sits on top briefly.
	mask := uint32(xproto.CwOverrideRedirect | xproto.CwSaveUnder | xproto.CwEventMask)
	vals := []uint32{1, 1, xproto.EventMaskExposure | xproto.EventMaskVisibilityChange}
	m := o.mon
	if err := xproto.CreateWindowChecked(o.conn, scr.RootDepth, o.win, o.root,
		int16(m.Min.X), int16(m.Min.Y), uint16(m.Dx()), uint16(m.Dy()), 0,
		xproto.WindowClassInputOutput, scr.RootVisual, mask, vals).Check(); err != nil {
		return fmt.Errorf("overlay: create window: %w", err)
	}
	// Empty input shape: the pointer passes through to the windows below.
	if err := shape.RectanglesChecked(o.conn, shape.SoSet, shape.SkInput, xproto.ClipOrderingUnsorted,
		o.win, 0, 0, nil).Check(); err != nil {
		return fmt.Errorf("overlay: input shape: %w", err)
	}
	// Empty bounding shape until the first stroke.
	if err := shape.RectanglesChecked(o.conn, shape.SoSet, shape.SkBounding, xproto.ClipOrderingUnsorted,
		o.win, 0, 0, nil).Check(); err != nil {
		return fmt.Errorf("overlay: bounding shape: %w", err)
	}
	setWindowName(o.conn, o.win, "QuickHelp annotations")
	if o.winGC, err = xproto.NewGcontextId(o.conn); err != nil {
		return fmt.Errorf("overlay: gc id: %w", err)
	}
	if err := xproto.CreateGCChecked(o.conn, o.winGC, xproto.Drawable(o.win),
		xproto.GcLineWidth|xproto.GcCapStyle|xproto.GcJoinStyle|xproto.GcGraphicsExposures,
		[]uint32{1, xproto.CapStyleRound, xproto.JoinStyleRound, 0}).Check(); err != nil {
		return fmt.Errorf("overlay: window gc: %w", err)
	}
	if err := xproto.MapWindowChecked(o.conn, o.win).Check(); err != nil {
		return fmt.Errorf("overlay: map: %w", err)
	}
	// Top-level windows appearing, moving or going away: QuickHelp's own
	// windows must stay clear of strokes (x11own_linux.go).
	if err := xproto.ChangeWindowAttributesChecked(o.conn, o.root, xproto.CwEventMask,
		[]uint32{xproto.EventMaskSubstructureNotify}).Check(); err != nil {
		return fmt.Errorf("overlay: watch windows: %w", err)
	}
	return nil
}

// visualInfo finds the masks of the screen's root visual, to turn
// 0xRRGGBB into pixel values without a colormap round trip.
func visualInfo(c *xgb.Conn, scr *xproto.ScreenInfo) (xproto.VisualInfo, error) {
	for _, d := range scr.AllowedDepths {
		for _, v := range d.Visuals {
			if v.VisualId == scr.RootVisual {
				if v.Class != xproto.VisualClassTrueColor && v.Class != xproto.VisualClassDirectColor {
					return v, fmt.Errorf("%w: root visual is not true colour", ErrUnsupported)
				}
				return v, nil
			}
		}
	}
	return xproto.VisualInfo{}, fmt.Errorf("%w: root visual not found", ErrUnsupported)
}

// pixel converts 0xRRGGBB to the root visual's pixel value.
func (o *X11) pixel(rgb uint32) uint32 {
	ch := func(v, mask uint32) uint32 {
		if mask == 0 {
			return 0
		}
		shift := 0
		for mask>>shift&1 == 0 {
			shift++
		}
		bits := 0
		for mask>>(shift+bits)&1 == 1 {
			bits++
		}
		return (v >> (8 - min(bits, 8))) << shift & mask
	}
	return ch(rgb>>16&0xff, o.visual.RedMask) | ch(rgb>>8&0xff, o.visual.GreenMask) | ch(rgb&0xff, o.visual.BlueMask)
}

func setWindowName(c *xgb.Conn, w xproto.Window, name string) {
	xproto.ChangeProperty(c, xproto.PropModeReplace, w, xproto.AtomWmName, xproto.AtomString, 8,
		uint32(len(name)), []byte(name))
}

// currentMonitor asks the Monitor callback, clamped to the X screen.
func (o *X11) currentMonitor() image.Rectangle {
	if o.monitor != nil {
		m := o.monitor()
		r := image.Rect(m.X, m.Y, m.X+m.Width, m.Y+m.Height).Intersect(o.screen)
		if !r.Empty() {
			return r
		}
	}
	return o.screen
}

// Apply shows one annotation. Invalid annotations are rejected with
// ErrInvalid; nothing is drawn for them.
func (o *X11) Apply(a wire.Annotation) error {
	return o.apply(a, o.currentMonitor, o.now, o.laserTimeout)
}

// Clear removes every stroke and the laser dot.
func (o *X11) Clear() error { return o.clear() }

// Hide unmaps the overlay while a question is pending, and maps it again
// afterwards (see Overlay).
func (o *X11) Hide(hidden bool) error { return o.hide(hidden) }

// Close destroys the overlay window, stops the owner goroutine and waits
// for it. It is safe to call more than once.
func (o *X11) Close() error {
	o.close()
	return nil
}

// Counts reports how many strokes are kept and their total points.
func (o *X11) Counts() (strokes, points int) { return o.counts() }
