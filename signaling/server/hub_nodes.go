package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/wire"
)

// presenceWait bounds how long a connecting participant's hello waits for
// the other nodes to say whether one of them holds its peer.
const presenceWait = time.Second

// livenessInterval is how often rooms look whether the nodes holding their
// remote participants are still alive.
const livenessInterval = time.Second

// Rooms across nodes. Every node holding a participant of a session has
// a room for it and is joined to the session on the Relay; a room knows
// its own participants (conns) and, by role, the node holding each remote
// one (remote). The nodes tell each other when a participant connects
// (joined), drops (left: the resume window starts wherever its peer is),
// what a participant sends the other (msg) and when the session ends
// (end). A node that dies says nothing: the rooms holding its
// participants' peers notice within a few seconds (Relay.Alive) and treat
// it as a drop, so the resume window runs and the participant can come
// back through any node.

// publishLocked sends ev to the other nodes of the session.
func (r *room) publishLocked(ev nodeEvent) {
	if _, local := r.h.s.relay.(LocalRelay); local {
		return
	}
	ev.Node = r.h.s.relay.Node()
	b, err := json.Marshal(ev)
	if err != nil {
		r.h.s.log.Error("encode node event", "kind", ev.Kind, "err", err)
		return
	}
	if err := r.h.s.relay.Publish(r.id, b); err != nil {
		r.h.s.log.Warn("session relay publish failed", "session", r.id, "kind", ev.Kind, "err", err)
	}
}

// holdLocked announces that role is connected here.
func (r *room) holdLocked(role string) {
	if r.holds[role] != nil {
		return
	}
	release, err := r.h.s.relay.Hold(r.id, role)
	if err != nil {
		r.h.s.log.Warn("session relay hold failed", "session", r.id, "role", role, "err", err)
		return
	}
	r.holds[role] = release
}

func (r *room) unholdLocked(role string) {
	if release := r.holds[role]; release != nil {
		release()
		delete(r.holds, role)
	}
}

// leaveRelay ends the room's presence and subscription on the relay; it
// runs once the room is no longer in the hub.
func (r *room) leaveRelay() {
	r.mu.Lock()
	for role := range r.holds {
		r.unholdLocked(role)
	}
	leave := r.leave
	r.leave = nil
	r.mu.Unlock()
	if leave != nil {
		leave()
	}
}

// onNodeEvent applies what another node says about the session.
func (r *room) onNodeEvent(b []byte) {
	ev, ok := decodeNodeEvent(b)
	if !ok || ev.Node == r.h.s.relay.Node() {
		return
	}
	if ev.Kind == nodeEnd {
		r.finish(wire.ParseReason(string(ev.Reason)), false)
		return
	}
	r.mu.Lock()
	if r.ended || r.released {
		r.mu.Unlock()
		return
	}
	switch ev.Kind {
	case nodeJoined:
		r.remoteJoinedLocked(ev.Role, ev.Node)
	case nodeLeft:
		if r.remote[ev.Role] == ev.Node {
			r.remoteGoneLocked(ev.Role)
		}
	case nodeMsg:
		if ev.RestartUntil > 0 {
			r.remoteRestartingLocked(time.UnixMilli(ev.RestartUntil))
		}
		if from := otherRole(ev.Role); r.remote[from] == "" && r.conns[from] == nil {
			// A message is proof of presence (a joined may have been
			// missed, or its node was wrongly taken for dead).
			r.remoteJoinedLocked(from, ev.Node)
		}
		if c := r.conns[ev.Role]; c != nil && len(ev.Env) > 0 {
			r.sendBytesLocked(c, ev.Env)
		}
	}
	// Idle: the session goes on through other nodes only. A room a
	// handler is about to attach to is not idle; a released one refuses a
	// late attach (its handler's client dials again into a fresh room).
	idle := len(r.conns) == 0 && len(r.timers) == 0 && r.attaching == 0
	if idle {
		r.released = true
	}
	r.mu.Unlock()
	if idle {
		r.h.remove(r)
	}
}

// remoteJoinedLocked: role connected to node. A socket of the same
// participant still attached here is the older one and is replaced, as
// on one node; a resume window of role stops.
func (r *room) remoteJoinedLocked(role, node string) {
	if old := r.conns[role]; old != nil {
		delete(r.conns, role)
		r.unholdLocked(role)
		old.kick(StatusReplaced, "replaced by a newer connection")
	}
	if t := r.timers[role]; t != nil {
		t.Stop()
		delete(r.timers, role)
	}
	was := r.remote[role]
	r.remote[role] = node
	peer := r.conns[otherRole(role)]
	if peer == nil || was == node {
		return
	}
	if was != "" {
		// It moved to another node: its socket on the old one is gone,
		// as when a socket drops and comes back on one node. The peer
		// resends what may have been lost on the way (unacknowledged chat).
		r.sendLocked(peer, wire.Envelope{Type: wire.TypePeerLeft, Role: role})
	}
	r.sendLocked(peer, wire.Envelope{Type: wire.TypePeerJoined, Role: role})
}

// remoteGoneLocked: the remote participant of role dropped (its node said
// so or died). Its peer here is told and the resume window starts.
func (r *room) remoteGoneLocked(role string) {
	delete(r.remote, role)
	if peer := r.conns[otherRole(role)]; peer != nil {
		r.sendLocked(peer, wire.Envelope{Type: wire.TypePeerLeft, Role: role})
	}
	r.startResumeLocked(role)
}

// checkRemoteAlive treats the participants held by nodes that stopped
// answering as dropped.
// A node taken for dead may only have been slow (a loaded machine, a
// NATS hiccup): for a role lost that way the room asks every second who
// holds it, and takes it back if a node answers.
func (r *room) checkRemoteAlive() {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	for role, node := range r.remote {
		if !r.h.s.relay.Alive(node) {
			r.remoteGoneLocked(role)
			r.silent[role] = true
		}
	}
	var ask []string
	for role := range r.silent {
		if r.remote[role] == "" && r.conns[role] == nil {
			ask = append(ask, role)
		} else {
			delete(r.silent, role)
		}
	}
	r.mu.Unlock()
	for _, role := range ask {
		ctx, cancel := context.WithTimeout(context.Background(), presenceWait)
		node := r.h.s.relay.Present(ctx, r.id, role)
		cancel()
		if node == "" {
			continue
		}
		r.mu.Lock()
		if !r.ended && r.remote[role] == "" && r.conns[role] == nil {
			delete(r.silent, role)
			r.remoteJoinedLocked(role, node)
		}
		r.mu.Unlock()
	}
}

// runLiveness checks the rooms' remote participants every
// livenessInterval until the server stops.
func (s *Server) runLiveness() {
	defer s.wg.Done()
	t := time.NewTicker(livenessInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		for _, r := range s.hub.snapshot() {
			r.checkRemoteAlive()
		}
	}
}

// StatusServiceRestart closes the sockets of a draining node: not final
// for clients, which connect again (through the load balancer, to another
// node) and find their session there.
const StatusServiceRestart = websocket.StatusServiceRestart

// drainReason is the close reason of a draining node's sockets: the hint
// that the client should reconnect.
const drainReason = "reconnect"

// Drain prepares a node of several for stopping: it refuses new session
// WebSockets (and says so in /v1/health, so the load balancer takes it
// out), and closes the open ones with StatusServiceRestart and the hint
// "reconnect" without ending their sessions, so the participants connect
// again through another node within the resume window. It waits until the
// sockets have closed or ctx ends. Shutdown afterwards leaves the sessions
// to the other nodes.
func (s *Server) Drain(ctx context.Context) error {
	s.draining.Store(true)
	s.hub.mu.Lock()
	conns := make([]*peerConn, 0, len(s.hub.conns))
	for c := range s.hub.conns {
		conns = append(conns, c)
	}
	s.hub.mu.Unlock()
	for _, c := range conns {
		c.kick(StatusServiceRestart, drainReason)
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		s.hub.mu.Lock()
		n := len(s.hub.conns)
		s.hub.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// abandonAll drops every room of a drained node without ending its
// session: timers stop, the relay is left, the record stays live.
func (h *hub) abandonAll() {
	for _, r := range h.snapshot() {
		r.mu.Lock()
		r.released = true
		if r.expiry != nil {
			r.expiry.Stop()
		}
		for role, t := range r.timers {
			t.Stop()
			delete(r.timers, role)
		}
		r.mu.Unlock()
		h.remove(r)
	}
}

// publishEnd tells the nodes holding session id that it ended, for an end
// decided on a node that holds no room of it (admin API, cancel).
func (s *Server) publishEnd(id string, reason wire.Reason) {
	if _, local := s.relay.(LocalRelay); local {
		return
	}
	b, err := json.Marshal(nodeEvent{Node: s.relay.Node(), Kind: nodeEnd, Reason: reason})
	if err == nil {
		err = s.relay.Publish(id, b)
	}
	if err != nil {
		s.log.Warn("session relay publish failed", "session", id, "kind", nodeEnd, "err", err)
	}
}
