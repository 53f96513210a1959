// Package adminui holds the admin console's built pages (frontend/admin,
// built by "make frontend" into dist/) for quickhelp-server to serve under
// /admin/.
package adminui

import (
	"embed"
	"io/fs"
)

// dist is filled by the frontend build; the committed placeholder keeps
// the package building before it (the console then answers 404).
//
//go:embed all:dist
var dist embed.FS

// FS returns the built pages, index.html at its root.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path, so Sub cannot fail
	}
	return sub
}
