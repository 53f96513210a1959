package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// listLimit returns ?limit= clamped to [1, 1000], default 200.
func listLimit(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 {
		return 200
	}
	return min(n, 1000)
}

func (s *Server) handleAdminSessions(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	recs, err := s.store.SessionRecords(r.Context(), u.OrgID, listLimit(r))
	if err != nil {
		s.internalError(w, "admin sessions", err)
		return
	}
	writeJSON(w, http.StatusOK, recs)
}

func (s *Server) handleAdminReports(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	reps, err := s.store.Reports(r.Context(), u.OrgID, listLimit(r))
	if err != nil {
		s.internalError(w, "admin reports", err)
		return
	}
	writeJSON(w, http.StatusOK, reps)
}

func (s *Server) handleGetOrg(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	o, err := s.store.Org(r.Context(), u.OrgID)
	if err != nil {
		s.internalError(w, "admin org", err)
		return
	}
	writeJSON(w, http.StatusOK, wire.OrgPolicy{Name: o.Name, Disabled: o.Disabled, RelayOnly: o.RelayOnly})
}

// handlePutOrg changes the organisation policy; fields left out keep their
// value. The name cannot be changed here; disabling ends the
// organisation's live sessions with reason policy. Relay-only applies to
// sessions created from then on.
func (s *Server) handlePutOrg(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	var p wire.OrgPolicyPatch
	if decodeJSON(w, r, &p) != nil {
		return
	}
	if p.RelayOnly != nil {
		if err := s.store.SetOrgRelayOnly(r.Context(), u.OrgID, *p.RelayOnly); err != nil {
			s.internalError(w, "admin org", err)
			return
		}
		s.log.Info("organisation policy changed", "org", u.OrgID, "relay_only", *p.RelayOnly, "by", u.ID)
	}
	if p.Disabled == nil {
		s.handleGetOrg(w, r)
		return
	}
	if err := s.store.SetOrgDisabled(r.Context(), u.OrgID, *p.Disabled); err != nil {
		s.internalError(w, "admin org", err)
		return
	}
	s.log.Info("organisation policy changed", "org", u.OrgID, "disabled", *p.Disabled, "by", u.ID)
	if *p.Disabled {
		s.hub.endWhere(func(r *room) bool { return r.orgID == u.OrgID }, wire.ReasonPolicy)
	}
	s.handleGetOrg(w, r)
}

func (s *Server) handlePatchUser(w http.ResponseWriter, r *http.Request) {
	admin, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	var p wire.UserPatch
	if decodeJSON(w, r, &p) != nil {
		return
	}
	id := r.PathValue("id")
	target, err := s.store.UserByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && target.OrgID != admin.OrgID) {
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "No such user in your organisation.")
		return
	}
	if err != nil {
		s.internalError(w, "admin user", err)
		return
	}
	if p.Disabled != nil {
		if *p.Disabled && target.ID == admin.ID {
			writeError(w, http.StatusBadRequest, wire.ReasonBadRequest, "You cannot suspend your own account.")
			return
		}
		if err := s.store.SetUserDisabled(r.Context(), id, *p.Disabled); err != nil {
			s.internalError(w, "admin user", err)
			return
		}
		target.Disabled = *p.Disabled
		s.log.Info("user suspension changed", "user", id, "disabled", *p.Disabled, "by", admin.ID)
		if *p.Disabled {
			s.hub.endWhere(func(r *room) bool { return r.helperID == id }, wire.ReasonPolicy)
		}
	}
	writeJSON(w, http.StatusOK, wireUser(target))
}
