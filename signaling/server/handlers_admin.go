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
	ctx := r.Context()
	if p.RelayOnly != nil {
		if err := s.store.SetOrgRelayOnly(ctx, u.OrgID, *p.RelayOnly); err != nil {
			s.internalError(w, "admin org", err)
			return
		}
		s.log.Info("organisation policy changed", "org", u.OrgID, "relay_only", *p.RelayOnly, "by", u.ID)
		s.audit(ctx, u, wire.AuditOrgRelayOnly, "", strconv.FormatBool(*p.RelayOnly))
	}
	if p.Disabled == nil {
		s.handleGetOrg(w, r)
		return
	}
	if err := s.store.SetOrgDisabled(ctx, u.OrgID, *p.Disabled); err != nil {
		s.internalError(w, "admin org", err)
		return
	}
	s.log.Info("organisation policy changed", "org", u.OrgID, "disabled", *p.Disabled, "by", u.ID)
	if *p.Disabled {
		s.hub.endWhere(func(r *room) bool { return r.orgID == u.OrgID }, wire.ReasonPolicy)
		s.audit(ctx, u, wire.AuditOrgDisable, "", "")
	} else {
		s.audit(ctx, u, wire.AuditOrgEnable, "", "")
	}
	s.handleGetOrg(w, r)
}

// handleListUsers lists the admin's organisation's accounts; ?q= keeps
// those whose e-mail or name contains it.
func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	admin, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	q := r.URL.Query().Get("q")
	if len(q) > 200 {
		q = q[:200]
	}
	us, err := s.store.OrgUsers(r.Context(), admin.OrgID, q, listLimit(r))
	if err != nil {
		s.internalError(w, "admin users", err)
		return
	}
	out := make([]wire.User, 0, len(us))
	for _, u := range us {
		out = append(out, wireUser(u))
	}
	writeJSON(w, http.StatusOK, out)
}

// handlePatchUser suspends, restores or changes the role of an account of
// the admin's organisation. Suspending ends the helper's live sessions in
// this process at once (other processes within a second, policywatch.go).
// An admin can neither suspend nor demote themself, so an organisation
// never loses its last admin by accident.
func (s *Server) handlePatchUser(w http.ResponseWriter, r *http.Request) {
	admin, ok := s.authenticateAdmin(w, r)
	if !ok {
		return
	}
	var p wire.UserPatch
	if decodeJSON(w, r, &p) != nil {
		return
	}
	if p.Role != nil && *p.Role != wire.RoleHelper && *p.Role != wire.RoleAdmin {
		writeError(w, http.StatusBadRequest, wire.ReasonBadRequest, "The role must be helper or admin.")
		return
	}
	id := r.PathValue("id")
	ctx := r.Context()
	target, err := s.store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && target.OrgID != admin.OrgID) {
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "No such user in your organisation.")
		return
	}
	if err != nil {
		s.internalError(w, "admin user", err)
		return
	}
	if target.ID == admin.ID && ((p.Disabled != nil && *p.Disabled) || (p.Role != nil && *p.Role != wire.RoleAdmin)) {
		writeError(w, http.StatusBadRequest, wire.ReasonBadRequest, "You cannot suspend your own account or remove your own admin role.")
		return
	}
	if p.Disabled != nil {
		if err := s.store.SetUserDisabled(ctx, id, *p.Disabled); err != nil {
			s.internalError(w, "admin user", err)
			return
		}
		target.Disabled = *p.Disabled
		s.log.Info("user suspension changed", "user", id, "disabled", *p.Disabled, "by", admin.ID)
		if *p.Disabled {
			s.hub.endWhere(func(r *room) bool { return r.helperID == id }, wire.ReasonPolicy)
			s.audit(ctx, admin, wire.AuditUserSuspend, target.Email, "")
		} else {
			s.audit(ctx, admin, wire.AuditUserRestore, target.Email, "")
		}
	}
	if p.Role != nil && *p.Role != target.Role {
		if err := s.store.SetUserRole(ctx, id, *p.Role); err != nil {
			s.internalError(w, "admin user", err)
			return
		}
		target.Role = *p.Role
		s.log.Info("user role changed", "user", id, "role", *p.Role, "by", admin.ID)
		s.audit(ctx, admin, wire.AuditUserRole, target.Email, *p.Role)
	}
	writeJSON(w, http.StatusOK, wireUser(target))
}
