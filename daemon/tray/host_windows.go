package tray

import (
	"context"
	"image/color"
)

// probeHost: every interactive Windows session has a notification area.
func probeHost(context.Context) error { return nil }

// iconBytes is the icon as the Windows tray library wants it: .ico.
func iconBytes(c color.RGBA) []byte { return icoFromPNG(iconPNG(c)) }

// skipDelayedLayoutRefresh: the Windows tray has no D-Bus menu and no
// delayed layout refresh (see layout_linux.go).
func skipDelayedLayoutRefresh() {}
