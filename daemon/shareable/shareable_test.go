package shareable

import (
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSession(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		display string
		want    Kind
	}{
		{"X11 session", map[string]string{"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, "", KindX11},
		{"X11 without a session type", map[string]string{"DISPLAY": ":0"}, "", KindX11},
		{"Wayland with XWayland's DISPLAY", map[string]string{"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "", KindWayland},
		{"Wayland named by its own DISPLAY", map[string]string{"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, ":0", KindWayland},
		{"a compositor without a session type", map[string]string{"WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":1"}, "", KindWayland},
		{"a nested compositor in an X11 session", map[string]string{"XDG_SESSION_TYPE": "x11", "WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":0"}, "", KindX11},
		{"an Xvfb named in a Wayland session", map[string]string{"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, ":99", KindX11},
		{"a text console", map[string]string{"XDG_SESSION_TYPE": "tty"}, "", KindNone},
		{"nothing at all", map[string]string{}, "", KindNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Session(envOf(tt.env), tt.display); got != tt.want {
				t.Errorf("Session(%v, %q) = %v, want %v", tt.env, tt.display, got, tt.want)
			}
		})
	}
}

func TestReasonOf(t *testing.T) {
	if got := reasonOf(KindWayland); got != wire.ReasonWaylandUnsupported {
		t.Errorf("reasonOf(wayland) = %q, want %q", got, wire.ReasonWaylandUnsupported)
	}
	for _, k := range []Kind{KindX11, KindNone} {
		if got := reasonOf(k); got != "" {
			t.Errorf("reasonOf(%v) = %q, want none", k, got)
		}
	}
}
