// Package shareable tells whether the daemon can share the desktop session it
// runs in, so that it refuses at once, in plain words, a session it cannot
// capture instead of showing the helper the wrong picture. Under Wayland,
// XWayland sets DISPLAY too, but an X11 capture there sees only the X
// clients, not the desktop: the session type decides, not DISPLAY.
package shareable

import "github.com/quickhelp/quickhelp/wire"

// Kind is the kind of graphical session.
type Kind string

const (
	KindX11     Kind = "x11"
	KindWayland Kind = "wayland"
	KindNone    Kind = "none" // no display at all (a text console, a service)
)

// Session tells the kind of the session whose display the daemon would
// share. getenv reads the daemon's environment; display is the X display it
// was told to share ("" means $DISPLAY).
//
// A display named that is not the session's own $DISPLAY is an X server of
// its own (an Xvfb, a nested server) and is X11 whatever the session is.
// Otherwise XDG_SESSION_TYPE (set by the login manager through logind)
// decides; without it, a WAYLAND_DISPLAY means a Wayland compositor.
func Session(getenv func(string) string, display string) Kind {
	own := getenv("DISPLAY")
	if display != "" && display != own {
		return KindX11
	}
	switch getenv("XDG_SESSION_TYPE") {
	case "wayland":
		return KindWayland
	case "x11":
		return KindX11
	}
	if getenv("WAYLAND_DISPLAY") != "" {
		return KindWayland
	}
	if display == "" && own == "" {
		return KindNone
	}
	return KindX11
}

// reasonOf is the refusal for a session kind on a system whose screens are
// captured through X11.
func reasonOf(k Kind) wire.Reason {
	if k == KindWayland {
		return wire.ReasonWaylandUnsupported
	}
	return ""
}
