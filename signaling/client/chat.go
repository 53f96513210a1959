package client

import (
	"crypto/rand"
	"encoding/hex"
	"sync"

	"github.com/quickhelp/quickhelp/wire"
)

// Chat is delivered exactly once across reconnects and service-node
// failures: every chat the session sends carries an ID; the receiving
// session answers chat-ack with it and shows a chat whose ID it has seen
// only once; the sender keeps its chat until acknowledged and sends what
// is still unacknowledged again whenever the other side (re)appears
// (hello with the peer there, peer-joined). A chat lost with a dying
// socket or node is therefore sent again, and one that arrived but whose
// ack was lost is not shown twice. Resending starts only once an ack has
// come back in the session: a service of the previous release relays chat
// without its ID, and a chat resent without an ID would be shown twice.

// Bounds of the bookkeeping: a longer backlog drops its oldest entries
// (they are then at most once, as without IDs).
const (
	maxUnacked = 128
	maxSeen    = 1024
	ackQueue   = 64
)

type chatBook struct {
	// mu guards everything below.
	mu      sync.Mutex
	unacked []pendingChat // oldest first
	ackSeen bool          // an ack arrived: IDs make it through the service
	seen    map[string]struct{}
	order   []string // seen IDs, oldest first
}

type pendingChat struct {
	id   string
	data []byte // the encoded envelope
}

func newChatBook() *chatBook { return &chatBook{seen: map[string]struct{}{}} }

// newChatID returns a random chat ID.
func newChatID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// sent keeps a chat until its ack.
func (b *chatBook) sent(id string, data []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.unacked) >= maxUnacked {
		b.unacked = b.unacked[1:]
	}
	b.unacked = append(b.unacked, pendingChat{id: id, data: data})
}

// acked forgets an acknowledged chat.
func (b *chatBook) acked(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ackSeen = true
	for i, p := range b.unacked {
		if p.id == id {
			b.unacked = append(b.unacked[:i], b.unacked[i+1:]...)
			return
		}
	}
}

// pending returns the encoded chats still unacknowledged, oldest first;
// none before the first ack.
func (b *chatBook) pending() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.ackSeen {
		return nil
	}
	out := make([][]byte, len(b.unacked))
	for i, p := range b.unacked {
		out[i] = p.data
	}
	return out
}

// received reports whether a chat with id is new, remembering it.
func (b *chatBook) received(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[id]; ok {
		return false
	}
	if len(b.order) >= maxSeen {
		delete(b.seen, b.order[0])
		b.order = b.order[1:]
	}
	b.seen[id] = struct{}{}
	b.order = append(b.order, id)
	return true
}

// ackFor encodes the chat-ack of id.
func ackFor(id string) []byte {
	b, _ := wire.Envelope{Type: wire.TypeChatAck, ID: id}.Encode()
	return b
}
