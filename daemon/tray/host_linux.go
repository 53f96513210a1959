package tray

import (
	"context"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcherName is the D-Bus name of the StatusNotifierWatcher, the tray
// host's registry that the tray library registers its item with.
const watcherName = "org.kde.StatusNotifierWatcher"

// probeTimeout bounds the D-Bus probe when ctx has no deadline.
const probeTimeout = 3 * time.Second

// sessionBusAddress finds the session bus the way the tray library will,
// except that it never autolaunches a bus (that would leave a dbus-daemon
// behind on a headless machine).
func sessionBusAddress() string {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		p := filepath.Join(dir, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p
		}
	}
	return ""
}

// probeHost checks for a session bus with a StatusNotifierWatcher on it.
func probeHost(ctx context.Context) error {
	addr := sessionBusAddress()
	if addr == "" {
		return fmt.Errorf("%w: no D-Bus session bus", ErrNoHost)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, probeTimeout)
		defer cancel()
	}
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("%w: D-Bus session bus: %v", ErrNoHost, err)
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has)
	if err != nil {
		return fmt.Errorf("%w: D-Bus: %v", ErrNoHost, err)
	}
	if !has {
		return fmt.Errorf("%w: no StatusNotifierWatcher on the session bus", ErrNoHost)
	}
	return nil
}

// iconBytes is the icon as the Linux tray library wants it: PNG.
func iconBytes(c color.RGBA) []byte { return iconPNG(c) }
