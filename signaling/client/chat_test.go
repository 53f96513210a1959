package client

import (
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// TestChatExactlyOnce: a chat sent twice with one ID (a resend after a
// reconnect) is shown once; the receiver's ack empties the sender's
// backlog; a chat sent while the peer is away is sent again when it comes
// back.
func TestChatExactlyOnce(t *testing.T) {
	env := servertest.Start(t)
	ctx := testCtx(t)
	c := newTestClient(t, env.URL)
	p := connectPair(t, ctx, c, c, ConnectOptions{})
	for range 2 {
		if err := p.helper.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "once", ID: "chat-1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.helper.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "next"}); err != nil {
		t.Fatal(err)
	}
	if got := waitMessage(t, p.sharer, wire.TypeChat); got.Text != "once" || got.ID != "chat-1" {
		t.Fatalf("first chat = %+v", got)
	}
	if got := waitMessage(t, p.sharer, wire.TypeChat); got.Text != "next" || got.ID == "" {
		t.Fatalf("second chat = %+v, want the next one with an ID (the duplicate dropped)", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n := unacked(p.helper); n > 0; n = unacked(p.helper) {
		if time.Now().After(deadline) {
			t.Fatalf("helper still holds %d unacknowledged chats", n)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The sharer goes away: a chat sent meanwhile is refused peer-absent,
	// kept, and delivered once when the sharer is back.
	if err := p.sharer.Close(); err != nil {
		t.Fatal(err)
	}
	waitMessage(t, p.helper, wire.TypePeerLeft)
	if err := p.helper.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "while you were away"}); err != nil {
		t.Fatal(err)
	}
	if e := waitMessage(t, p.helper, wire.TypeError); e.Reason != wire.ReasonPeerAbsent {
		t.Fatalf("error = %+v, want peer-absent", e)
	}
	back, err := c.Connect(ctx, p.joined.SessionID, p.joined.Token, ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if got := waitMessage(t, back, wire.TypeChat); got.Text != "while you were away" {
		t.Fatalf("chat after coming back = %+v", got)
	}
}

func unacked(s *Session) int {
	s.chat.mu.Lock()
	defer s.chat.mu.Unlock()
	return len(s.chat.unacked)
}
