package server

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// adminCSP is the admin console's Content-Security-Policy: its own scripts,
// styles and API only, nothing inline, no framing, forms only to itself.
const adminCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// handleAdminConsole serves the admin console's built pages from
// Config.AdminFS: index.html for /admin/, files by name below it. The pages
// hold no data; everything comes from the admin API once signed in.
func (s *Server) handleAdminConsole(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(wire.PathAdminConsole, "/"))
	name = strings.TrimPrefix(name, "/")
	if name == "" {
		name = "index.html"
	}
	if s.cfg.AdminFS == nil || !fs.ValidPath(name) || path.Clean(name) != name {
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "There is nothing here.")
		return
	}
	f, err := s.cfg.AdminFS.Open(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Error("admin console file", "err", err)
		}
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "There is nothing here.")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	rs, seekable := f.(interface {
		Read([]byte) (int, error)
		Seek(int64, int) (int64, error)
	})
	if err != nil || st.IsDir() || !seekable {
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "There is nothing here.")
		return
	}
	w.Header().Set("Content-Security-Policy", adminCSP)
	http.ServeContent(w, r, name, time.Time{}, rs)
}
