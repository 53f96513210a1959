package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/codes"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// MaxReportRunes bounds an abuse report's comment.
const MaxReportRunes = 2000

// ReportWindow is how long after joining a sharer may still report the
// session, including after it has ended (well inside the 72 h retention).
const ReportWindow = 24 * time.Hour

const (
	msgOrgDisabled   = "QuickHelp is turned off for this organisation by its administrator."
	msgSuspended     = "This helper account is suspended. Ask your organisation's administrator."
	msgCodeNotFound  = "This code is not valid. Codes work once and expire after 10 minutes: ask your helper for a new one."
	msgJoinThrottled = "Too many wrong codes. Please wait and try again."
)

func (s *Server) handleCreateSession(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if u.OrgDisabled {
		writeError(w, http.StatusForbidden, wire.ReasonOrgDisabled, msgOrgDisabled)
		return
	}
	// Every creation counts (reserved before the work) per helper and per
	// organisation: codes and TURN credentials are not free.
	now := s.now()
	if ok, retry := s.helperCreates.Reserve(u.ID, now); !ok {
		s.metrics.RateLimited.Add(1)
		writeRetry(w, http.StatusTooManyRequests, wire.ReasonRateLimited, "Too many new codes. Please wait and try again.", retry)
		return
	}
	if ok, retry := s.orgCreates.Reserve(u.OrgID, now); !ok {
		s.helperCreates.Refund(u.ID, now)
		s.metrics.RateLimited.Add(1)
		writeRetry(w, http.StatusTooManyRequests, wire.ReasonRateLimited, "Your organisation is creating too many codes. Please wait and try again.", retry)
		return
	}
	id, err := auth.NewID()
	if err != nil {
		s.internalError(w, "session id", err)
		return
	}
	tok, err := auth.NewToken()
	if err != nil {
		s.internalError(w, "session token", err)
		return
	}
	codeExp := now.Add(s.cfg.CodeTTL)
	// A fresh code collides with a live one with probability ~live/2^40;
	// a few retries make failure practically impossible.
	for attempt := 0; ; attempt++ {
		code, err := codes.Generate(nil)
		if err != nil {
			s.internalError(w, "code", err)
			return
		}
		err = s.store.CreateSession(r.Context(), store.NewSession{
			ID: id, OrgID: u.OrgID, HelperID: u.ID, CodeHash: s.hasher.Hash(code), CodeExpiresAt: codeExp,
			HelperTokenHash: auth.HashToken(tok), TokenExpiresAt: now.Add(s.cfg.SessionTTL), CreatedAt: now,
		})
		if errors.Is(err, store.ErrConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			s.internalError(w, "create session", err)
			return
		}
		s.metrics.SessionsCreated.Add(1)
		s.log.Info("session created", "session", id, "helper", u.ID)
		writeJSON(w, http.StatusCreated, wire.CreateSessionResponse{
			SessionID: id, Code: codes.Format(code), ExpiresAt: codeExp, Token: tok, ICEServers: s.iceServers(id),
			ICETransportPolicy: s.icePolicy(u.OrgRelayOnly),
		})
		return
	}
}

// handleCancelSession ends a session for its helper: "cancelled" before the
// sharer joined (the code is void), "helper-ended" after. It accepts the
// helper's sign-in token or the helper's participant token.
func (s *Server) handleCancelSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	tok := bearer(r)
	if tok == "" {
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "Sign in first.")
		return
	}
	now := s.now()
	sess, err := s.store.Session(r.Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.internalError(w, "cancel lookup", err)
		return
	}
	allowed := false
	if err == nil {
		if u, uerr := s.store.UserByAuthToken(r.Context(), auth.HashToken(tok), now); uerr == nil {
			allowed = u.ID == sess.HelperID
		} else if role, _, perr := s.store.ParticipantRole(r.Context(), id, auth.HashToken(tok), now); perr == nil {
			allowed = role == wire.RoleHelper
		}
	}
	if !allowed {
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "No such session.")
		return
	}
	reason := wire.ReasonCancelled
	if sess.Used {
		reason = wire.ReasonHelperEnded
	}
	s.endSession(id, reason, nil)
	w.WriteHeader(http.StatusNoContent)
}

// endSession ends a session whether or not anyone is connected to it.
func (s *Server) endSession(id string, reason wire.Reason, extraFeature []string) {
	if r := s.hub.get(id); r != nil {
		for _, f := range extraFeature {
			r.addFeature(f)
		}
		r.end(reason)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ok, err := s.store.EndSession(ctx, id, reason, extraFeature, nil, s.now())
	if err != nil {
		s.log.Error("end session", "session", id, "err", err)
		return
	}
	if ok {
		s.metrics.SessionEnded(reason)
		s.log.Info("session ended", "session", id, "reason", reason)
		// Nodes holding its participants end it now rather than at their
		// next look at the store.
		s.publishEnd(id, reason)
	}
}

// joinAttempt is one join reserved against the client's limits before any
// work: the per-client limit and, while the breaker is tripped, the
// client's network. It ends either failed (a wrong code) or refunded.
type joinAttempt struct {
	s           *Server
	key, prefix string
	at          time.Time
	settled     bool
}

// reserveJoin reserves a join for the request's client, answering 429 or
// 503 itself when it may not try now.
func (s *Server) reserveJoin(w http.ResponseWriter, r *http.Request) (*joinAttempt, bool) {
	a := &joinAttempt{s: s, key: s.clientKey(r), prefix: s.breakerPrefix(r), at: s.now()}
	if ok, retry := s.breaker.Reserve(a.prefix, a.at); !ok {
		s.metrics.RateLimited.Add(1)
		s.metrics.BreakerTrips.Add(1)
		writeRetry(w, http.StatusServiceUnavailable, wire.ReasonUnavailable, "Joining is paused for your network for a moment. Please try again shortly.", retry)
		return nil, false
	}
	if ok, retry := s.joinLimiter.Reserve(a.key, a.at); !ok {
		s.breaker.Refund(a.prefix, a.at)
		s.metrics.RateLimited.Add(1)
		writeRetry(w, http.StatusTooManyRequests, wire.ReasonRateLimited, msgJoinThrottled, retry)
		return nil, false
	}
	return a, true
}

// refund gives the reservation back: the code was right, or the server
// failed (not the client's fault). Only the first of refund and fail counts.
func (a *joinAttempt) refund() {
	if !a.settled {
		a.settled = true
		a.s.joinLimiter.Refund(a.key, a.at)
		a.s.breaker.Refund(a.prefix, a.at)
	}
}

// fail keeps the reservation as a failure and tells the breaker.
func (a *joinAttempt) fail() {
	if !a.settled {
		a.settled = true
		a.s.breaker.Fail(a.prefix, a.at)
	}
}

// handleJoin lets a sharer in with a code. The attempt is reserved before
// the database is touched, so concurrent guesses cannot all pass the check;
// a join that finds its code gives the reservation back.
func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	var req wire.JoinRequest
	if decodeJSON(w, r, &req) != nil {
		return
	}
	attempt, ok := s.reserveJoin(w, r)
	if !ok {
		return
	}
	defer attempt.refund() // an internal error is not the client's failure
	now := attempt.at
	notFound := func() {
		attempt.fail()
		s.metrics.JoinsFailed.Add(1)
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, msgCodeNotFound)
	}
	hash, ok := s.lookupHash(req.Code)
	if !ok {
		notFound()
		return
	}
	s.metrics.JoinLookups.Add(1)
	sess, err := s.store.SessionByCode(r.Context(), hash, now)
	if errors.Is(err, store.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		s.internalError(w, "join lookup", err)
		return
	}
	attempt.refund()
	helper, err := s.store.UserByID(r.Context(), sess.HelperID)
	if err != nil {
		s.internalError(w, "join helper", err)
		return
	}
	// Policy is checked before the code is consumed, so re-enabling the
	// organisation within the code's lifetime lets the same code work.
	if helper.OrgDisabled {
		writeError(w, http.StatusForbidden, wire.ReasonOrgDisabled, msgOrgDisabled)
		return
	}
	if helper.Disabled {
		writeError(w, http.StatusForbidden, wire.ReasonHelperSuspended, msgSuspended)
		return
	}
	tok, err := auth.NewToken()
	if err != nil {
		s.internalError(w, "join token", err)
		return
	}
	sess, err = s.store.ConsumeCode(r.Context(), hash, auth.HashToken(tok), now)
	if errors.Is(err, store.ErrNotFound) {
		// Another join won the race for this code.
		notFound()
		return
	}
	if err != nil {
		s.internalError(w, "join consume", err)
		return
	}
	if err := s.store.SetReportKey(r.Context(), sess.ID, auth.HashToken(tok), now.Add(ReportWindow)); err != nil {
		s.log.Warn("report key not stored", "session", sess.ID, "err", err)
	}
	s.metrics.JoinsOK.Add(1)
	s.log.Info("sharer joined", "session", sess.ID)
	writeJSON(w, http.StatusOK, wire.JoinResponse{
		SessionID: sess.ID, Token: tok, Helper: helperInfo(helper), ICEServers: s.iceServers(sess.ID),
		ICETransportPolicy: s.icePolicy(helper.OrgRelayOnly),
	})
}

// lookupHash parses a typed code and returns its keyed hash: the path every
// join takes before touching the database.
func (s *Server) lookupHash(typed string) ([]byte, bool) {
	code, err := codes.Parse(typed)
	if err != nil {
		return nil, false
	}
	return s.hasher.Hash(code), true
}

// helperInfo is all a sharer learns about the helper: first name, last
// initial and organisation.
func helperInfo(u store.User) wire.HelperInfo {
	name := strings.TrimSpace(u.FirstName)
	if last := strings.TrimSpace(u.LastName); last != "" {
		r, _ := utf8.DecodeRuneInString(last)
		name += " " + string(r) + "."
	}
	return wire.HelperInfo{DisplayName: strings.TrimSpace(name), Organization: u.OrgName}
}

func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	tok := bearer(r)
	role, _, err := s.store.ParticipantRole(r.Context(), id, auth.HashToken(tok), s.now())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.internalError(w, "report lookup", err)
		return
	}
	if err == nil && role != wire.RoleSharer {
		writeError(w, http.StatusForbidden, wire.ReasonForbidden, "Only the person sharing their screen can report a session.")
		return
	}
	var req wire.ReportRequest
	if decodeJSON(w, r, &req) != nil {
		return
	}
	if !utf8.ValidString(req.Comment) || utf8.RuneCountInString(req.Comment) > MaxReportRunes {
		writeError(w, http.StatusBadRequest, wire.ReasonBadRequest, "The comment must be at most 2000 characters.")
		return
	}
	// The sharer's report key allows one report, during the session or
	// after it ended, within ReportWindow of joining.
	sess, err := s.store.UseReportKey(r.Context(), id, auth.HashToken(tok), s.now())
	if tok == "" || errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "This session can no longer be reported, or it was reported already.")
		return
	}
	if err != nil {
		s.internalError(w, "report lookup", err)
		return
	}
	rid, err := auth.NewID()
	if err != nil {
		s.internalError(w, "report id", err)
		return
	}
	if err := s.store.CreateReport(r.Context(), store.Report{ID: rid, SessionID: id, OrgID: sess.OrgID,
		HelperID: sess.HelperID, Comment: req.Comment, CreatedAt: s.now()}); err != nil {
		s.internalError(w, "report", err)
		return
	}
	s.metrics.Reports.Add(1)
	s.log.Warn("session reported", "session", id, "helper", sess.HelperID)
	s.endSession(id, wire.ReasonReported, []string{wire.FeatureReport})
	w.WriteHeader(http.StatusNoContent)
}
