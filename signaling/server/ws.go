package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// originAllowed mirrors coder/websocket's check so that a refusal is
// answered with a wire.Error body: no Origin (native clients) and the
// server's own host pass; others must match a configured pattern.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range s.cfg.OriginPatterns {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(u.Host)); ok {
			return true
		}
	}
	return false
}

func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	if !s.track() {
		writeError(w, http.StatusServiceUnavailable, wire.ReasonUnavailable, "The service is shutting down.")
		return
	}
	defer s.wg.Done()
	if s.draining.Load() {
		// Another node takes the session: the client dials again.
		writeError(w, http.StatusServiceUnavailable, wire.ReasonUnavailable, "This node is stopping; connect again.")
		return
	}
	if !s.originAllowed(r) {
		writeError(w, http.StatusForbidden, wire.ReasonForbidden, "This web origin may not connect.")
		return
	}
	id, tok := r.PathValue("id"), bearer(r)
	role, sess, err := s.store.ParticipantRole(r.Context(), id, auth.HashToken(tok), s.now())
	if tok == "" || errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusUnauthorized, wire.ReasonUnauthorized, "This session is over or the token is not valid.")
		return
	}
	if err != nil {
		s.internalError(w, "ws lookup", err)
		return
	}
	helper, err := s.store.UserByID(r.Context(), sess.HelperID)
	if err != nil {
		s.internalError(w, "ws helper", err)
		return
	}
	if s.refusedByPolicy(w, id, helper) {
		return
	}
	// A participant that connects again while its old socket is still
	// attached takes over (attach closes the old one): after a network
	// change the old socket looks alive here for many seconds while
	// nothing it carries arrives. Only the holder of the token can.
	rm := s.hub.room(sess, helperInfo(helper))
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.OriginPatterns})
	if err != nil {
		rm.abandonAttach()
		s.log.Debug("websocket upgrade failed", "err", err)
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(wire.MaxEnvelopeBytes)

	c := newPeerConn(role, ws, s.cfg.SendQueue)
	s.hub.addConn(c)
	defer s.hub.removeConn(c)
	if err := rm.attach(c); err != nil {
		rm.releaseIfUnused()
		ws.Close(websocket.StatusPolicyViolation, "session over")
		return
	}
	if s.draining.Load() {
		c.kick(StatusServiceRestart, drainReason)
	} else if s.closed.Load() {
		// Shutdown began after this handler was tracked and may have
		// missed the room: end it here.
		rm.end(wire.ReasonShutdown)
	}
	s.metrics.WSConnections.Add(1)
	defer s.metrics.WSConnections.Add(-1)
	log := s.log.With("session", id, "role", role)
	log.Info("participant connected")
	c.start(s.cfg.WriteTimeout, s.cfg.PingInterval)
	s.readLoop(rm, c, log)
	rm.detach(c)
	c.stop()
	log.Info("participant disconnected")
}

// refusedByPolicy re-checks a (re)connect against policy: a helper
// suspended or an organisation disabled while a participant was away
// (inside the resume window) must not get back in. The session then ends
// for both and the connect is answered 403.
func (s *Server) refusedByPolicy(w http.ResponseWriter, id string, helper store.User) bool {
	if !helper.OrgDisabled && !helper.Disabled {
		return false
	}
	s.endSession(id, wire.ReasonPolicy, nil)
	if helper.OrgDisabled {
		writeError(w, http.StatusForbidden, wire.ReasonOrgDisabled, msgOrgDisabled)
	} else {
		writeError(w, http.StatusForbidden, wire.ReasonHelperSuspended, msgSuspended)
	}
	return true
}

func (s *Server) readLoop(rm *room, c *peerConn, log *slog.Logger) {
	for {
		typ, b, err := c.ws.Read(c.ctx)
		if err != nil {
			// Too-big messages are closed with StatusMessageTooBig by the
			// library itself.
			log.Debug("read ended", "status", int(websocket.CloseStatus(err)))
			return
		}
		if typ != websocket.MessageText {
			c.kick(websocket.StatusUnsupportedData, "text messages only")
			return
		}
		env, err := wire.DecodeEnvelope(b)
		if err != nil {
			rm.refuse(c, wire.ReasonInvalidMessage)
			continue
		}
		if rm.handle(c, env) {
			rm.h.s.usage.mark(rm)
		}
	}
}

// refuse answers a participant's message with an error envelope.
func (r *room) refuse(c *peerConn, reason wire.Reason) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errorCodes[reason] = true
	r.replyLocked(c, wire.Envelope{Type: wire.TypeError, Reason: reason})
}

// direction says who may send a relayed type: the role, or "" for both.
var direction = map[string]string{
	wire.TypeChat:           "",
	wire.TypeChatAck:        "",
	wire.TypeCandidate:      "",
	wire.TypeOffer:          wire.RoleSharer,
	wire.TypeConsent:        wire.RoleSharer,
	wire.TypePause:          wire.RoleSharer,
	wire.TypeResume:         wire.RoleSharer,
	wire.TypeMonitors:       wire.RoleSharer,
	wire.TypeAnswer:         wire.RoleHelper,
	wire.TypeControlRequest: wire.RoleHelper,
	wire.TypeSwitchMonitor:  wire.RoleHelper,
	wire.TypeICERestart:     wire.RoleHelper,
	wire.TypeControl:        "", // checked by state below
	wire.TypeAction:         "", // checked by state below
}

// reportable features a client may declare with a feature message.
var reportable = map[string]bool{
	wire.FeatureAnnotation: true, wire.FeatureViewOnly: true, wire.FeatureControl: true,
	wire.FeaturePause: true, wire.FeatureChat: true,
}

// endReasons a participant may give; anything else becomes its default.
var endReasons = map[string]map[wire.Reason]bool{
	wire.RoleHelper: {wire.ReasonHelperEnded: true, wire.ReasonError: true},
	wire.RoleSharer: {wire.ReasonSharerEnded: true, wire.ReasonSharerDenied: true, wire.ReasonConsentTimeout: true, wire.ReasonPolicy: true, wire.ReasonError: true, wire.ReasonKeepSharingTimeout: true},
}

// handle applies one message from c and reports whether the session's
// usage (features, error codes) changed. Message contents are never logged.
func (r *room) handle(c *peerConn, env wire.Envelope) (usageChanged bool) {
	switch env.Type {
	case wire.TypePing:
		r.mu.Lock()
		r.sendLocked(c, wire.Envelope{Type: wire.TypePing})
		r.mu.Unlock()
		return false
	case wire.TypeFeature:
		if !reportable[env.Feature] {
			r.refuse(c, wire.ReasonNotAllowed)
			return true
		}
		return r.addFeature(env.Feature)
	case wire.TypeEnd:
		reason := env.Reason
		if !endReasons[c.role][reason] {
			reason = wire.ReasonHelperEnded
			if c.role == wire.RoleSharer {
				reason = wire.ReasonSharerEnded
			}
		}
		r.end(reason)
		return false
	case wire.TypeRestarting:
		return r.restarting(c)
	}
	who, relayed := direction[env.Type]
	if env.Type == wire.TypeControl {
		who = wire.RoleSharer
		if env.State == wire.StateReleased {
			who = wire.RoleHelper
		}
	}
	if env.Type == wire.TypeAction {
		// The helper names an action; only the sharer says what became of it.
		who = wire.RoleHelper
		if env.State != "" {
			who = wire.RoleSharer
		}
	}
	if !relayed || (who != "" && who != c.role) {
		r.refuse(c, wire.ReasonNotAllowed)
		return true
	}
	out := wire.Envelope{
		Type: env.Type, From: c.role, Text: env.Text, SDP: env.SDP, Candidate: env.Candidate,
		State: env.State, Reason: env.Reason, Monitors: env.Monitors, Monitor: env.Monitor, Restart: env.Restart,
		RetryAfter: env.RetryAfter, SASCommit: env.SASCommit, ID: env.ID, Action: env.Action, Actions: env.Actions,
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	peer := r.conns[otherRole(c.role)]
	if peer == nil && r.remote[otherRole(c.role)] != "" {
		// The peer is connected to another node: the bus carries it.
		if b := r.encodeLocked(out); b != nil {
			r.publishLocked(nodeEvent{Kind: nodeMsg, Role: otherRole(c.role), Env: b})
		}
	} else if peer == nil {
		r.errorCodes[wire.ReasonPeerAbsent] = true
		r.replyLocked(c, wire.Envelope{Type: wire.TypeError, Reason: wire.ReasonPeerAbsent})
		return false
	} else {
		r.sendLocked(peer, out)
	}
	switch {
	case env.Type == wire.TypeChat:
		return r.addFeatureLocked(wire.FeatureChat)
	case env.Type == wire.TypePause && env.Reason == "": // not a Windows prompt's hold
		return r.addFeatureLocked(wire.FeaturePause)
	case env.Type == wire.TypeConsent && env.State == wire.StateGranted:
		return r.addFeatureLocked(wire.FeatureViewOnly)
	case env.Type == wire.TypeControl && env.State == wire.StateGranted:
		return r.addFeatureLocked(wire.FeatureControl)
	}
	return false
}
