package server

import (
	"errors"
	"net/http"

	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// handleAdminLive lists the admin's organisation's sessions that have not
// ended (waiting for their code, or running): from the shared store, so
// sessions of every service process show.
func (s *Server) handleAdminLive(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	live, err := s.store.LiveSessions(r.Context(), u.OrgID, listLimit(r))
	if err != nil {
		s.internalError(w, "admin live", err)
		return
	}
	writeJSON(w, http.StatusOK, live)
}

// handleAdminEndSession ends one live session of the admin's organisation
// for both people with reason policy (endSession: at once on this node,
// on the others through the cluster relay or, at the latest, their next
// look at the store).
func (s *Server) handleAdminEndSession(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	ctx := r.Context()
	sess, err := s.store.Session(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (sess.OrgID != u.OrgID || sess.EndedAt != nil)) {
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "No such live session in your organisation.")
		return
	}
	if err != nil {
		s.internalError(w, "admin end session", err)
		return
	}
	s.endSession(id, wire.ReasonPolicy, nil)
	s.log.Info("session ended by an admin", "session", id, "by", u.ID)
	s.audit(ctx, u, wire.AuditSessionEnd, id, "")
	w.WriteHeader(http.StatusNoContent)
}

// handleAdminPatchReport marks an abuse report of the admin's organisation
// handled, or open again.
func (s *Server) handleAdminPatchReport(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	var p wire.ReportPatch
	if decodeJSON(w, r, &p) != nil {
		return
	}
	if p.Handled == nil {
		writeError(w, http.StatusBadRequest, wire.ReasonBadRequest, "Say whether the report is handled.")
		return
	}
	id := r.PathValue("id")
	ctx := r.Context()
	_, org, err := s.store.Report(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && org != u.OrgID) {
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "No such report in your organisation.")
		return
	}
	if err == nil {
		err = s.store.SetReportHandled(ctx, id, *p.Handled, u.Email, s.now())
	}
	if err != nil {
		s.internalError(w, "admin report", err)
		return
	}
	rep, _, err := s.store.Report(ctx, id)
	if err != nil {
		s.internalError(w, "admin report", err)
		return
	}
	action := wire.AuditReportHandled
	if !*p.Handled {
		action = wire.AuditReportReopened
	}
	s.audit(ctx, u, action, id, "")
	writeJSON(w, http.StatusOK, rep)
}

// handleAdminAudit lists the admin's organisation's audit log, newest
// first.
func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	entries, err := s.store.Audit(r.Context(), u.OrgID, listLimit(r))
	if err != nil {
		s.internalError(w, "admin audit", err)
		return
	}
	writeJSON(w, http.StatusOK, entries)
}
