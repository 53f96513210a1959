package server

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// hub holds the live rooms: one per session with someone connected or
// inside the resume window.
type hub struct {
	s *Server

	// mu guards rooms and conns.
	mu    sync.Mutex
	rooms map[string]*room
	conns map[*peerConn]struct{} // every open session WebSocket
}

func newHub(s *Server) *hub {
	return &hub{s: s, rooms: map[string]*room{}, conns: map[*peerConn]struct{}{}}
}

func (h *hub) get(id string) *room {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[id]
}

// room returns the live room of a session, creating it if needed, for a
// participant about to attach: the caller then calls attach, or
// abandonAttach when the upgrade failed.
func (h *hub) room(sess store.Session, helper wire.HelperInfo) *room {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[sess.ID]; r != nil {
		r.mu.Lock()
		r.attaching++
		r.mu.Unlock()
		return r
	}
	r := &room{
		h: h, id: sess.ID, orgID: sess.OrgID, helperID: sess.HelperID, helper: helper,
		conns: map[string]*peerConn{}, timers: map[string]*time.Timer{}, features: map[string]bool{},
		errorCodes: map[wire.Reason]bool{}, remote: map[string]string{}, holds: map[string]func(){},
		silent: map[string]bool{}, attaching: 1,
	}
	leave, err := h.s.relay.Join(sess.ID, r.onNodeEvent)
	if err != nil {
		// Without the bus the room still serves participants on this node.
		h.s.log.Warn("session relay join failed", "session", sess.ID, "err", err)
		leave = func() {}
	}
	r.leave = leave
	h.rooms[sess.ID] = r
	h.s.metrics.SessionsActive.Add(1)
	if !sess.Used {
		// Tell a waiting helper as soon as the code expires unused, rather
		// than at the next retention run.
		r.expiry = time.AfterFunc(sess.CodeExpiresAt.Sub(h.s.now()), r.expireUnused)
	}
	return r
}

func (h *hub) remove(r *room) {
	h.mu.Lock()
	if h.rooms[r.id] == r {
		delete(h.rooms, r.id)
		h.s.metrics.SessionsActive.Add(-1)
	}
	h.mu.Unlock()
	r.leaveRelay()
}

func (h *hub) snapshot() []*room {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		out = append(out, r)
	}
	return out
}

func (h *hub) endWhere(match func(*room) bool, reason wire.Reason) {
	for _, r := range h.snapshot() {
		if match(r) {
			r.end(reason)
		}
	}
}

func (h *hub) endAll(reason wire.Reason) { h.endWhere(func(*room) bool { return true }, reason) }

// closeAllNow cuts every connection without waiting for queues to drain.
func (h *hub) closeAllNow() {
	h.mu.Lock()
	conns := make([]*peerConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.ws.CloseNow()
	}
}

// addConn and removeConn keep the set closeAllNow works on.
func (h *hub) addConn(c *peerConn) {
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
}

func (h *hub) removeConn(c *peerConn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// room pairs the two participants of one session.
type room struct {
	h        *hub
	id       string
	orgID    string
	helperID string
	helper   wire.HelperInfo

	// mu guards everything below.
	mu         sync.Mutex
	conns      map[string]*peerConn   // by role: the connected participants
	timers     map[string]*time.Timer // by role: resume windows running
	features   map[string]bool
	errorCodes map[wire.Reason]bool
	ended      bool
	released   bool        // dropped by releaseIfUnused or as idle (hub_nodes.go)
	attaching  int         // handlers between hub.room and attach: the room is not idle
	expiry     *time.Timer // ends the session when the code expires unused
	// remote: by role, the node a participant connected to elsewhere is
	// held by (hub_nodes.go); holds: by role, the presence this node
	// announces for its own participants.
	remote map[string]string
	holds  map[string]func()
	silent map[string]bool // roles lost to a silent node: asked for again (hub_nodes.go)
	leave  func()          // ends the relay subscription; set once at creation
	// restartUntil: the sharer's computer is restarting (restart.go);
	// restarts counts those of this session.
	restartUntil time.Time
	restarts     int
}

// expireUnused ends the session with reason expired if its code was never
// used.
func (r *room) expireUnused() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sess, err := r.h.s.store.Session(ctx, r.id)
	if err != nil || sess.Used {
		return
	}
	r.end(wire.ReasonExpired)
}

func otherRole(role string) string {
	if role == wire.RoleHelper {
		return wire.RoleSharer
	}
	return wire.RoleHelper
}

// attach adds a participant and sends the hellos, replacing the role's
// older socket if there is one. It fails if the session ended.
func (r *room) attach(c *peerConn) error {
	// Asked before taking the lock: another node may hold the peer.
	pctx, cancel := context.WithTimeout(context.Background(), presenceWait)
	peerNode := r.h.s.relay.Present(pctx, r.id, otherRole(c.role))
	cancel()
	// This node's relay, with fresh credentials: after a reconnect from a
	// node that is gone, the peers' next ICE restart gathers through it.
	ice := r.h.s.iceServers(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attaching--
	if r.ended || r.released {
		return ErrSessionEnded
	}
	if peerNode != "" && r.remote[otherRole(c.role)] == "" {
		r.remote[otherRole(c.role)] = peerNode
	}
	old := r.conns[c.role]
	replaced := old != nil
	if replaced {
		// The same participant again (see handleWS): the newer socket
		// wins; the old one's detach finds itself replaced and tells no one.
		old.kick(StatusReplaced, "replaced by a newer connection")
	}
	if t := r.timers[c.role]; t != nil {
		t.Stop()
		delete(r.timers, c.role)
	}
	r.conns[c.role] = c
	r.holdLocked(c.role)
	peer := r.conns[otherRole(c.role)]
	hello := wire.Envelope{Type: wire.TypeHello, Role: c.role, Peer: peer != nil || r.remote[otherRole(c.role)] != "", ICEServers: ice}
	if c.role == wire.RoleSharer {
		h := r.helper
		hello.Helper = &h
	}
	r.sendLocked(c, hello)
	if peer != nil && !replaced {
		r.sendLocked(peer, wire.Envelope{Type: wire.TypePeerJoined, Role: c.role})
	}
	r.publishLocked(nodeEvent{Kind: nodeJoined, Role: c.role})
	return nil
}

// StatusReplaced closes a participant's socket when the same participant
// connected again; clients treat it as final (a 44xx code), so two
// programs holding one token cannot take the socket from each other in
// turn.
const StatusReplaced websocket.StatusCode = 4409

// detach removes a participant whose connection ended: the other side is
// told and the resume window starts.
func (r *room) detach(c *peerConn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conns[c.role] != c {
		return
	}
	delete(r.conns, c.role)
	r.unholdLocked(c.role)
	if r.ended {
		return
	}
	if peer := r.conns[otherRole(c.role)]; peer != nil {
		r.sendLocked(peer, wire.Envelope{Type: wire.TypePeerLeft, Role: c.role})
	}
	if r.h.s.draining.Load() {
		// The participant reconnects to another node, which takes the
		// session over; the nodes holding its peer keep the resume window.
		r.publishLocked(nodeEvent{Kind: nodeLeft, Role: c.role})
		return
	}
	r.startResumeLocked(c.role)
	r.publishLocked(nodeEvent{Kind: nodeLeft, Role: c.role})
}

// startResumeLocked starts role's resume window unless it runs already.
// The timer's goroutine is owned by the room: end stops it, and a late
// firing is a no-op because end runs once.
func (r *room) startResumeLocked(role string) {
	if r.timers[role] != nil {
		return
	}
	r.timers[role] = time.AfterFunc(r.resumeWindowLocked(role), func() { r.end(wire.ReasonTimeout) })
}

// abandonAttach is for a handler whose upgrade failed after hub.room.
func (r *room) abandonAttach() {
	r.mu.Lock()
	r.attaching--
	r.mu.Unlock()
	r.releaseIfUnused()
}

// releaseIfUnused drops a room that never got a participant (the upgrade
// failed) so it does not linger. A handler still holding it fails to attach
// and its client retries into a fresh room.
func (r *room) releaseIfUnused() {
	r.h.mu.Lock()
	defer r.h.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended || r.released || len(r.conns) > 0 || len(r.timers) > 0 || r.attaching > 0 {
		return
	}
	r.released = true
	if r.expiry != nil {
		r.expiry.Stop()
	}
	if r.h.rooms[r.id] == r {
		delete(r.h.rooms, r.id)
		r.h.s.metrics.SessionsActive.Add(-1)
	}
	go r.leaveRelay() // not under the hub's lock
}

// sendLocked queues env for c, stamping the time. A full queue means the
// consumer is not reading: it is cut off with StatusPolicyViolation rather
// than letting it stall the sender.
func (r *room) sendLocked(c *peerConn, env wire.Envelope) {
	if b := r.encodeLocked(env); b != nil {
		r.sendBytesLocked(c, b)
	}
}

// encodeLocked stamps env with the time and encodes it; nil on failure.
func (r *room) encodeLocked(env wire.Envelope) []byte {
	env.TS = r.h.s.now().UnixMilli()
	b, err := env.Encode()
	if err != nil {
		r.h.s.log.Error("encode envelope", "type", env.Type, "err", err)
		return nil
	}
	return b
}

// sendBytesLocked queues an encoded envelope for c (see sendLocked).
func (r *room) sendBytesLocked(c *peerConn, b []byte) {
	if !c.enqueue(b) {
		r.errorCodes[wire.ReasonSlowConsumer] = true
		r.h.s.metrics.SlowConsumers.Add(1)
		r.h.s.log.Info("slow consumer dropped", "session", r.id, "role", c.role)
	}
}

// replyLocked answers c about its own message (an error): best effort, a
// full queue drops the reply instead of cutting c off (see tryEnqueue).
func (r *room) replyLocked(c *peerConn, env wire.Envelope) {
	env.TS = r.h.s.now().UnixMilli()
	b, err := env.Encode()
	if err != nil {
		r.h.s.log.Error("encode envelope", "type", env.Type, "err", err)
		return
	}
	if !c.tryEnqueue(b) {
		r.h.s.log.Debug("reply dropped: send queue full", "session", r.id, "role", c.role, "reason", env.Reason)
	}
}

func (r *room) addFeature(f string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addFeatureLocked(f)
}

func (r *room) addFeatureLocked(f string) bool {
	if r.features[f] {
		return false
	}
	r.features[f] = true
	return true
}

func sortedKeys[K ~string](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	// Small sets: insertion sort keeps records stable without importing sort.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (r *room) usage() ([]string, []wire.Reason) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return sortedKeys(r.features), sortedKeys(r.errorCodes)
}

// persistUsage writes the features and error codes seen so far.
func (r *room) persistUsage() {
	f, e := r.usage()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.h.s.store.SetUsage(ctx, r.id, f, e); err != nil {
		r.h.s.log.Error("persist usage", "session", r.id, "err", err)
	}
}

// end finishes the session once: the record is written, then both sides
// get session-ended and are closed normally after their queues drain, and
// the other nodes holding the session end it too.
func (r *room) end(reason wire.Reason) { r.finish(reason, true) }

// finish is end; a session ended by another node (record false) is only
// closed here, the other node having written the record.
//
// The record is written before anyone is told: a participant that reacts
// to session-ended (reconnects, reports the helper, reads the session's
// state) must find the end stored, not the live session. The participants
// are taken out of the room first, so nothing more is relayed meanwhile.
func (r *room) finish(reason wire.Reason, record bool) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended = true
	if r.expiry != nil {
		r.expiry.Stop()
	}
	for role, t := range r.timers {
		t.Stop()
		delete(r.timers, role)
	}
	conns := make([]*peerConn, 0, len(r.conns))
	for role, c := range r.conns {
		conns = append(conns, c)
		delete(r.conns, role)
	}
	features, errs := sortedKeys(r.features), sortedKeys(r.errorCodes)
	r.mu.Unlock()

	if record {
		r.record(reason, features, errs)
	}
	r.mu.Lock()
	for _, c := range conns {
		r.sendLocked(c, wire.Envelope{Type: wire.TypeSessionEnded, Reason: reason})
		c.finish()
	}
	if record {
		r.publishLocked(nodeEvent{Kind: nodeEnd, Reason: reason})
	}
	r.mu.Unlock()
	r.h.remove(r)
}

// record writes the session's end to the store.
func (r *room) record(reason wire.Reason, features []string, errs []wire.Reason) {
	s := r.h.s
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ok, err := s.store.EndSession(ctx, r.id, reason, features, errs, s.now())
	if err != nil {
		s.log.Error("end session", "session", r.id, "err", err)
	}
	if ok {
		s.metrics.SessionEnded(reason)
		s.log.Info("session ended", "session", r.id, "reason", reason, "features", features)
	}
}
