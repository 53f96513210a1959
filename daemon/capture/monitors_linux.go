//go:build linux

package capture

import (
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/wire"
)

// initRandR enables RandR 1.5 once, at setup, before the connection is
// shared with the event loop; without it readMonitors reports the whole
// screen.
func (s *x11Source) initRandR() {
	s.randr = x11.Enable(s.conn, x11.RandR) == nil
}

// readMonitors lists RandR 1.5 monitors, falling back to the whole screen
// when RandR is missing (e.g. old Xvnc).
func (s *x11Source) readMonitors() []wire.Monitor {
	screen := xproto.Setup(s.conn).DefaultScreen(s.conn)
	whole := []wire.Monitor{{Name: "screen", Width: int(screen.WidthInPixels), Height: int(screen.HeightInPixels), Primary: true}}
	if !s.randr {
		return whole
	}
	r, err := randr.GetMonitors(s.conn, s.root, true).Reply()
	if err != nil || len(r.Monitors) == 0 {
		return whole
	}
	var out []wire.Monitor
	for _, m := range r.Monitors {
		if len(out) == wire.MaxMonitors {
			break
		}
		mon := wire.Monitor{Index: len(out), X: int(m.X), Y: int(m.Y), Width: int(m.Width), Height: int(m.Height), Primary: m.Primary}
		if mon.Width <= 0 || mon.Height <= 0 || mon.X < 0 || mon.Y < 0 ||
			mon.X+mon.Width > int(screen.WidthInPixels) || mon.Y+mon.Height > int(screen.HeightInPixels) {
			continue // a monitor partly outside the root window cannot be grabbed
		}
		if name, err := xproto.GetAtomName(s.conn, m.Name).Reply(); err == nil {
			mon.Name = name.Name
		}
		out = append(out, mon)
	}
	if len(out) == 0 {
		return whole
	}
	return out
}
