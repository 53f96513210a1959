package server

import (
	"context"
	"encoding/json"

	"github.com/quickhelp/quickhelp/wire"
)

// Relay carries a session's events between the service nodes that hold its
// participants, so the helper may be connected to one node and the sharer
// to another. One process on its own (the embedded default) needs nothing
// between nodes: LocalRelay. Several nodes use a message bus
// (signaling/cluster, over NATS).
type Relay interface {
	// Node identifies this node in the events it publishes.
	Node() string
	// Join subscribes this node to session id: deliver gets each event
	// another node publishes for it, on the relay's goroutine, until leave
	// is called.
	Join(id string, deliver func(event []byte)) (leave func(), err error)
	// Publish sends event to the other nodes joined to session id.
	Publish(id string, event []byte) error
	// Hold announces that a participant of role is connected to this node,
	// until release is called: Present on another node then finds it.
	Hold(id, role string) (release func(), err error)
	// Present asks the other nodes which one holds role of session id; ""
	// when none does (or none answered before ctx ended).
	Present(ctx context.Context, id, role string) string
	// Alive reports whether node has been heard from recently; a node that
	// stopped (killed, cut off) stops being alive within a few seconds.
	Alive(node string) bool
}

// LocalRelay is the relay of a service that runs as one process: both
// participants of every session are connected to it, so there is nothing
// to carry and no other node to ask.
type LocalRelay struct{}

func (LocalRelay) Node() string                              { return "local" }
func (LocalRelay) Join(string, func([]byte)) (func(), error) { return func() {}, nil }
func (LocalRelay) Publish(string, []byte) error              { return nil }
func (LocalRelay) Hold(string, string) (func(), error)       { return func() {}, nil }
func (LocalRelay) Present(context.Context, string, string) string {
	return ""
}
func (LocalRelay) Alive(string) bool { return true }

// Kinds of node events. A node ignores kinds it does not know, so a
// release may add kinds while the previous one still runs (rolling
// upgrade).
const (
	nodeJoined = "joined" // a participant (Role) connected to the sending node
	nodeLeft   = "left"   // a participant (Role) dropped from the sending node; its resume window runs
	nodeMsg    = "msg"    // Env is for the participant Role
	nodeEnd    = "end"    // the session ended with Reason
)

// nodeEvent is what nodes tell each other about one session. It carries
// chat and signalling (Env), so the bus must be private to the service
// (TLS and credentials: docs/deployment.md).
type nodeEvent struct {
	Node   string          `json:"node"`
	Kind   string          `json:"kind"`
	Role   string          `json:"role,omitempty"`
	Env    json.RawMessage `json:"env,omitempty"`
	Reason wire.Reason     `json:"reason,omitempty"`
	// RestartUntil (unix ms) comes with a relayed restarting message:
	// the sharer's restart window, for the node that may run its resume
	// window (restart.go).
	RestartUntil int64 `json:"restartUntil,omitempty"`
}

// maxNodeEvent bounds what a node accepts from the bus: one envelope and
// a little framing.
const maxNodeEvent = wire.MaxEnvelopeBytes + 1024

func decodeNodeEvent(b []byte) (nodeEvent, bool) {
	var ev nodeEvent
	if len(b) > maxNodeEvent || json.Unmarshal(b, &ev) != nil {
		return nodeEvent{}, false
	}
	if ev.Role != "" && ev.Role != wire.RoleHelper && ev.Role != wire.RoleSharer {
		return nodeEvent{}, false
	}
	return ev, true
}
