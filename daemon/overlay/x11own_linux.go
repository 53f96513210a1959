package overlay

import (
	"bytes"
	"image"
	"time"

	"github.com/jezek/xgb/xproto"
)

// QuickHelp's own windows (the app, its prompt window with the consent
// questions and the sharing bar) are never drawn over: the overlay's shape
// has a hole wherever one of them is. They are found by their WM_CLASS,
// which GTK sets from the program name ("quickhelp", "Quickhelp"; the
// desktop app sets it explicitly), on a top-level window or, under a
// reparenting window manager, on a child of its frame.

// ownClassPrefix is the lower-case start of the WM_CLASS instance or class
// of QuickHelp's windows.
var ownClassPrefix = []byte("quickhelp")

// Bounds of the search, so a desktop with very many windows costs a
// bounded number of requests.
const (
	maxFrameChildren = 16
	ownRefreshDelay  = 50 * time.Millisecond // after a window is mapped, moved or restacked
)

// isOwnClass reports whether a WM_CLASS value (instance NUL class NUL)
// names a QuickHelp window.
func isOwnClass(v []byte) bool {
	for _, part := range bytes.Split(v, []byte{0}) {
		if len(part) >= len(ownClassPrefix) && bytes.EqualFold(part[:len(ownClassPrefix)], ownClassPrefix) {
			return true
		}
	}
	return false
}

// ownWindows returns the screen rectangles of the viewable top-level
// windows that belong to QuickHelp. Requests are sent in batches and their
// replies read afterwards, so the cost is a few round trips, not one per
// window. Run by the owner goroutine only.
func (o *X11) ownWindows() []image.Rectangle {
	tree, err := xproto.QueryTree(o.conn, o.root).Reply()
	if err != nil {
		return nil
	}
	tops := tree.Children
	if len(tops) > maxTopLevels {
		tops = tops[len(tops)-maxTopLevels:] // the topmost ones
	}
	type top struct {
		w     xproto.Window
		attr  xproto.GetWindowAttributesCookie
		class xproto.GetPropertyCookie
	}
	qs := make([]top, 0, len(tops))
	for _, w := range tops {
		if w == o.win {
			continue
		}
		qs = append(qs, top{w: w, attr: xproto.GetWindowAttributes(o.conn, w), class: wmClass(o, w)})
	}
	var own, frames []xproto.Window
	for _, q := range qs {
		attr, aerr := q.attr.Reply()
		class, cerr := q.class.Reply()
		if aerr != nil || attr.MapState != xproto.MapStateViewable {
			continue
		}
		switch {
		case cerr == nil && class.ValueLen > 0:
			if isOwnClass(class.Value) {
				own = append(own, q.w)
			}
		default: // no class: perhaps a window manager's frame around a client
			frames = append(frames, q.w)
		}
	}
	own = append(own, o.ownFrames(frames)...)
	geoms := make([]xproto.GetGeometryCookie, len(own))
	for i, w := range own {
		geoms[i] = xproto.GetGeometry(o.conn, xproto.Drawable(w))
	}
	var rects []image.Rectangle
	for _, g := range geoms {
		r, err := g.Reply()
		if err != nil {
			continue
		}
		b := int(r.BorderWidth)
		rects = append(rects, image.Rect(int(r.X), int(r.Y), int(r.X)+int(r.Width)+2*b, int(r.Y)+int(r.Height)+2*b))
	}
	return rects
}

// ownFrames returns the frames among frames whose client (a child) is a
// QuickHelp window.
func (o *X11) ownFrames(frames []xproto.Window) []xproto.Window {
	trees := make([]xproto.QueryTreeCookie, len(frames))
	for i, f := range frames {
		trees[i] = xproto.QueryTree(o.conn, f)
	}
	type child struct {
		frame xproto.Window
		class xproto.GetPropertyCookie
	}
	var children []child
	for i, c := range trees {
		t, err := c.Reply()
		if err != nil {
			continue
		}
		kids := t.Children
		if len(kids) > maxFrameChildren {
			kids = kids[:maxFrameChildren]
		}
		for _, k := range kids {
			children = append(children, child{frame: frames[i], class: wmClass(o, k)})
		}
	}
	var own []xproto.Window
	for _, c := range children {
		class, err := c.class.Reply()
		if err == nil && isOwnClass(class.Value) && (len(own) == 0 || own[len(own)-1] != c.frame) {
			own = append(own, c.frame)
		}
	}
	return own
}

func wmClass(o *X11, w xproto.Window) xproto.GetPropertyCookie {
	return xproto.GetProperty(o.conn, false, w, xproto.AtomWmClass, xproto.AtomString, 0, 64)
}

// ownEvent reports whether an X event may have moved, shown or hidden a
// top-level window (the overlay selects SubstructureNotify on the root).
func (o *X11) ownEvent(ev any) bool {
	switch e := ev.(type) {
	case xproto.MapNotifyEvent:
		return e.Window != o.win
	case xproto.UnmapNotifyEvent:
		return e.Window != o.win
	case xproto.ConfigureNotifyEvent:
		return e.Window != o.win
	case xproto.DestroyNotifyEvent:
		return e.Window != o.win
	case xproto.ReparentNotifyEvent:
		return e.Window != o.win
	}
	return false
}

// holes converts own windows' screen rectangles to overlay window
// coordinates, dropping those outside the monitor.
func holes(own []image.Rectangle, mon image.Rectangle) []xproto.Rectangle {
	var out []xproto.Rectangle
	for _, r := range own {
		r = r.Intersect(mon)
		if r.Empty() {
			continue
		}
		out = append(out, xRect(r.Sub(mon.Min)))
	}
	return out
}
