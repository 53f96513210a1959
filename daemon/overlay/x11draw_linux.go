package overlay

import (
	"image"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shape"
	"github.com/jezek/xgb/xproto"
)

// drawState is owned by the run goroutine alone.
type drawState struct {
	mask      xproto.Pixmap // depth 1, monitor size: 1 where a stroke is
	maskSize  image.Point
	shown     *image.Point // laser dot currently shaped and painted
	hasShape  bool         // the bounding shape is non-empty
	lastRaise time.Time
	raiseSoon *time.Timer        // a raise held back by minRaiseGap
	raiseWait bool               // raiseSoon is armed
	exposed   []xproto.Rectangle // Expose rectangles not yet repainted
	laser     *time.Timer
	unmapped  bool              // hidden while a question is pending
	own       []image.Rectangle // QuickHelp's own windows (screen pixels): never drawn over
	ownDirty  bool              // own must be looked up again
	ownSoon   *time.Timer       // a look-up after window changes settle
	ownWait   bool              // ownSoon is armed
}

// readEvents forwards X events to run until the connection closes. When
// the queue is full it blocks, and the X server buffers behind it.
func (o *X11) readEvents(events chan<- xgb.Event) {
	defer o.wg.Done()
	for {
		ev, err := o.conn.WaitForEvent()
		if ev == nil && err == nil {
			return // connection closed
		}
		if err != nil {
			o.logger.Debug("x11 request failed", "err", err)
			continue
		}
		select {
		case events <- ev:
		case <-o.done:
			return
		}
	}
}

// run owns the window: it applies scene changes, repaints exposures,
// expires the laser and keeps the window on top.
func (o *X11) run(events <-chan xgb.Event) {
	defer o.wg.Done()
	var ds drawState
	ds.laser = time.NewTimer(time.Hour)
	ds.laser.Stop()
	ds.raiseSoon = time.NewTimer(time.Hour)
	ds.raiseSoon.Stop()
	ds.ownSoon = time.NewTimer(time.Hour)
	ds.ownSoon.Stop()
	ds.ownDirty = true
	raise := time.NewTicker(raiseEvery)
	defer func() {
		raise.Stop()
		ds.raiseSoon.Stop()
		ds.ownSoon.Stop()
		ds.laser.Stop()
		o.shutdown(&ds)
	}()
	o.mu.Lock()
	o.geomDirty = true // create the mask pixmap
	o.mu.Unlock()
	o.redraw(&ds)
	for {
		select {
		case <-o.done:
			return
		case <-o.wake:
			o.redraw(&ds)
		case <-ds.laser.C:
			o.mu.Lock()
			if o.laser != nil {
				if left := o.laserUntil.Sub(o.now()); left > 0 {
					ds.laser.Reset(left) // a later laser message extended it
				} else {
					o.laser = nil
				}
			}
			o.mu.Unlock()
			o.redraw(&ds)
		case <-raise.C:
			// Also look for QuickHelp's windows again, in case a change
			// was missed.
			if ds.hasShape {
				ds.ownDirty = true
				o.redraw(&ds)
			}
			o.raise(&ds, true)
		case <-ds.ownSoon.C:
			// The look-up (a few X round trips) waits for something to
			// be drawn: windows moving on an empty overlay cost nothing,
			// and the first stroke's redraw looks them up.
			ds.ownWait = false
			ds.ownDirty = true
			if ds.hasShape {
				o.redraw(&ds)
			}
		case <-ds.raiseSoon.C:
			ds.raiseWait = false
			o.raise(&ds, false)
		case ev := <-events:
			o.handleEvent(&ds, ev)
		}
	}
}

func (o *X11) handleEvent(ds *drawState, ev xgb.Event) {
	switch e := ev.(type) {
	case xproto.ExposeEvent:
		ds.exposed = append(ds.exposed, xproto.Rectangle{X: int16(e.X), Y: int16(e.Y), Width: e.Width, Height: e.Height})
		if e.Count == 0 || len(ds.exposed) > 64 {
			o.mu.Lock()
			o.paint(ds, ds.exposed)
			o.mu.Unlock()
			ds.exposed = ds.exposed[:0]
		}
	case xproto.VisibilityNotifyEvent:
		if e.State != xproto.VisibilityUnobscured {
			o.raise(ds, false)
		}
	default:
		if o.ownEvent(ev) && !ds.ownWait {
			ds.ownWait = true
			ds.ownSoon.Reset(ownRefreshDelay)
		}
	}
}

// raise restacks the overlay above every sibling. Rate-limited so two
// always-on-top windows cannot make the server spin.
func (o *X11) raise(ds *drawState, periodic bool) {
	if (!ds.hasShape && periodic) || ds.unmapped {
		return
	}
	now := time.Now()
	if wait := minRaiseGap - now.Sub(ds.lastRaise); wait > 0 {
		if !ds.raiseWait { // raise once the gap has passed, not never
			ds.raiseWait = true
			ds.raiseSoon.Reset(wait)
		}
		return
	}
	ds.lastRaise = now
	xproto.ConfigureWindow(o.conn, o.win, xproto.ConfigWindowStackMode, []uint32{xproto.StackModeAbove})
}

// redraw brings the mask, the bounding shape and the laser up to date
// with the scene. New stroke pixels need no explicit paint: growing the
// shape makes the server send Expose for them.
func (o *X11) redraw(ds *drawState) {
	ownChanged := false
	if ds.ownDirty { // X round trips: before taking mu, so Apply never waits for them
		ds.ownDirty = false
		if own := o.ownWindows(); !sameRects(own, ds.own) {
			ds.own, ownChanged = own, true
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.hidden != ds.unmapped {
		ds.unmapped = o.hidden
		if o.hidden {
			xproto.UnmapWindow(o.conn, o.win)
		} else {
			xproto.MapWindow(o.conn, o.win)
			ownChanged = true // reshape (the laser went away) and raise
			ds.lastRaise = time.Time{}
		}
	}
	geom, rebuild := o.geomDirty, o.rebuild || o.geomDirty
	o.geomDirty, o.rebuild = false, false
	if geom {
		m := o.mon
		xproto.ConfigureWindow(o.conn, o.win,
			xproto.ConfigWindowX|xproto.ConfigWindowY|xproto.ConfigWindowWidth|xproto.ConfigWindowHeight,
			[]uint32{uint32(int32(m.Min.X)), uint32(int32(m.Min.Y)), uint32(m.Dx()), uint32(m.Dy())})
		if !o.newMask(ds, m.Size()) {
			return
		}
	}
	if rebuild {
		xproto.ChangeGC(o.conn, o.maskGC, xproto.GcForeground, []uint32{0})
		xproto.PolyFillRectangle(o.conn, xproto.Drawable(ds.mask), o.maskGC,
			[]xproto.Rectangle{{Width: uint16(ds.maskSize.X), Height: uint16(ds.maskSize.Y)}})
		xproto.ChangeGC(o.conn, o.maskGC, xproto.GcForeground, []uint32{1})
		for _, st := range o.scene.strokes {
			st.drawn = 0
		}
	}
	grown := false
	for _, st := range o.scene.strokes {
		if st.drawn >= len(st.pts) {
			continue
		}
		xproto.ChangeGC(o.conn, o.maskGC, xproto.GcLineWidth, []uint32{uint32(st.width)})
		xproto.PolyLine(o.conn, xproto.CoordModeOrigin, xproto.Drawable(ds.mask), o.maskGC,
			linePoints(st.pts[max(st.drawn-1, 0):]))
		st.drawn = len(st.pts)
		grown = true
	}
	laserMoved := !samePoint(ds.shown, o.laser)
	if !rebuild && !grown && !laserMoved && !ownChanged {
		return
	}
	old := ds.shown
	if o.laser != nil {
		p := *o.laser
		ds.shown = &p
		ds.laser.Reset(max(o.laserUntil.Sub(o.now()), time.Millisecond))
	} else {
		ds.shown = nil
	}
	wasShaped := ds.hasShape
	ds.hasShape = len(o.scene.strokes) > 0 || ds.shown != nil
	if len(o.scene.strokes) > 0 {
		shape.Mask(o.conn, shape.SoSet, shape.SkBounding, o.win, 0, 0, ds.mask)
	} else {
		shape.Rectangles(o.conn, shape.SoSet, shape.SkBounding, xproto.ClipOrderingUnsorted, o.win, 0, 0, nil)
	}
	if ds.shown != nil {
		shape.Rectangles(o.conn, shape.SoUnion, shape.SkBounding, xproto.ClipOrderingYXBanded, o.win, 0, 0,
			xRects(discSpans(*ds.shown, laserRadius)))
	}
	if h := holes(ds.own, o.mon); ds.hasShape && len(h) > 0 {
		// Nothing is ever shown over QuickHelp's own windows.
		shape.Rectangles(o.conn, shape.SoSubtract, shape.SkBounding, xproto.ClipOrderingUnsorted, o.win, 0, 0, h)
	}
	if laserMoved {
		// Pixels under the old dot that stay shaped (a stroke) and the new
		// dot over existing strokes get no Expose: repaint both boxes.
		var clip []xproto.Rectangle
		for _, p := range []*image.Point{old, ds.shown} {
			if p != nil {
				clip = append(clip, xRect(laserBox(*p)))
			}
		}
		o.paint(ds, clip)
	}
	if ds.hasShape && !wasShaped {
		o.raise(ds, false)
	}
}

// newMask replaces the mask pixmap with one of the given size.
func (o *X11) newMask(ds *drawState, size image.Point) bool {
	if ds.mask != 0 {
		xproto.FreePixmap(o.conn, ds.mask)
		xproto.FreeGC(o.conn, o.maskGC)
		ds.mask = 0
	}
	pix, err := xproto.NewPixmapId(o.conn)
	if err != nil {
		o.logger.Warn("overlay: no pixmap id", "err", err)
		return false
	}
	gc, err := xproto.NewGcontextId(o.conn)
	if err != nil {
		o.logger.Warn("overlay: no gc id", "err", err)
		return false
	}
	xproto.CreatePixmap(o.conn, 1, pix, xproto.Drawable(o.win), uint16(size.X), uint16(size.Y))
	xproto.CreateGC(o.conn, gc, xproto.Drawable(pix),
		xproto.GcForeground|xproto.GcLineWidth|xproto.GcCapStyle|xproto.GcJoinStyle|xproto.GcGraphicsExposures,
		[]uint32{1, 1, xproto.CapStyleRound, xproto.JoinStyleRound, 0})
	ds.mask, ds.maskSize, o.maskGC = pix, size, gc
	return true
}

// paint draws every stroke and the laser dot on the window, clipped to
// clip (window coordinates). Callers hold mu.
func (o *X11) paint(ds *drawState, clip []xproto.Rectangle) {
	if len(clip) == 0 || !ds.hasShape {
		return
	}
	xproto.SetClipRectangles(o.conn, xproto.ClipOrderingUnsorted, o.winGC, 0, 0, clip)
	for _, st := range o.scene.strokes {
		if len(st.pts) == 0 {
			continue
		}
		xproto.ChangeGC(o.conn, o.winGC, xproto.GcForeground|xproto.GcLineWidth,
			[]uint32{o.pixel(st.rgb), uint32(st.width)})
		xproto.PolyLine(o.conn, xproto.CoordModeOrigin, xproto.Drawable(o.win), o.winGC, linePoints(st.pts))
	}
	if ds.shown != nil {
		xproto.ChangeGC(o.conn, o.winGC, xproto.GcForeground, []uint32{o.pixel(LaserColor)})
		xproto.PolyFillRectangle(o.conn, xproto.Drawable(o.win), o.winGC, xRects(discSpans(*ds.shown, laserRadius)))
	}
	xproto.ChangeGC(o.conn, o.winGC, xproto.GcClipMask, []uint32{xproto.PixmapNone})
}

// shutdown destroys the window and closes the connection, which ends
// readEvents. The round trip makes sure the server has removed the
// window before Close returns.
func (o *X11) shutdown(ds *drawState) {
	xproto.DestroyWindow(o.conn, o.win)
	if ds.mask != 0 {
		xproto.FreePixmap(o.conn, ds.mask)
	}
	_, _ = xproto.GetInputFocus(o.conn).Reply()
	o.conn.Close()
}

// linePoints converts stroke pixels to an X polyline; a single point
// becomes a zero-length line, which X draws as a dot of the line width
// with round caps.
func linePoints(pts []image.Point) []xproto.Point {
	out := make([]xproto.Point, 0, max(len(pts), 2))
	for _, p := range pts {
		out = append(out, xproto.Point{X: int16(p.X), Y: int16(p.Y)})
	}
	if len(out) == 1 {
		out = append(out, out[0])
	}
	return out
}

func xRect(r image.Rectangle) xproto.Rectangle {
	return xproto.Rectangle{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())}
}

func xRects(rs []image.Rectangle) []xproto.Rectangle {
	out := make([]xproto.Rectangle, len(rs))
	for i, r := range rs {
		out[i] = xRect(r)
	}
	return out
}

func samePoint(a, b *image.Point) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
