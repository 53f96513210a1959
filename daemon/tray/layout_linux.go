package tray

import (
	_ "unsafe" // go:linkname below

	_ "fyne.io/systray" // the variable linked below lives there
)

// systrayFirstLayoutDone is fyne.io/systray's firstGetLayoutDone. In
// v1.12.2 the first GetLayout of a tray host starts a goroutine that, 150 ms
// later, bumps the menu's revision under a different lock than the one every
// GetLayout reads it under: a data race between the library and itself
// (later made atomic upstream, not released yet). That delayed refresh
// exists only to make GTK hosts fetch submenus in a second pass; this menu
// is flat, so the first reply already holds all of it.
//
// Remove this file once the module is upgraded past the fix: the link
// fails to build if the library renames the variable, it never goes stale
// silently.
//
//go:linkname systrayFirstLayoutDone fyne.io/systray.firstGetLayoutDone
var systrayFirstLayoutDone bool

// skipDelayedLayoutRefresh marks the first layout as served, so no
// GetLayout starts the racing goroutine. Call it before systray.Run.
func skipDelayedLayoutRefresh() { systrayFirstLayoutDone = true }
