package server

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// peerConn is one participant's WebSocket. Its handler goroutine reads; a
// writer goroutine drains send; a pinger keeps the connection alive. The
// handler owns both and waits for them.
type peerConn struct {
	role string
	ws   *websocket.Conn
	// send is the bounded outgoing queue. When it is full the consumer is
	// not keeping up and is dropped (enqueue returns false).
	send chan []byte

	ctx    context.Context // cancelled to cut the connection
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the fields below; it is taken inside room.mu.
	mu        sync.Mutex
	finished  bool // send is closed: drain it, then close normally
	kickCode  websocket.StatusCode
	kickCause string
}

func newPeerConn(role string, ws *websocket.Conn, queue int) *peerConn {
	ctx, cancel := context.WithCancel(context.Background())
	return &peerConn{role: role, ws: ws, send: make(chan []byte, queue), ctx: ctx, cancel: cancel}
}

// enqueue queues b without blocking. It returns false (and kicks the
// connection) when the queue is full.
func (c *peerConn) enqueue(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.finished || c.ctx.Err() != nil {
		return true
	}
	select {
	case c.send <- b:
		return true
	default:
		c.kickLocked(websocket.StatusPolicyViolation, "slow consumer")
		return false
	}
}

// tryEnqueue queues b if the queue has room and otherwise drops it, never
// kicking. Replies to a participant's own messages go this way: a burst of
// them (every message still in flight when the peer left is answered
// peer-absent) is made by the server, so a full queue then says nothing
// about whether the participant reads. A participant that really stops
// reading is still cut off by the write timeout and by what its peer sends.
func (c *peerConn) tryEnqueue(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.finished || c.ctx.Err() != nil {
		return false
	}
	select {
	case c.send <- b:
		return true
	default:
		return false
	}
}

// finish closes the queue: the writer sends what is queued, then closes
// the connection with StatusNormalClosure.
func (c *peerConn) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.finished {
		c.finished = true
		close(c.send)
	}
}

// kick cuts the connection with code.
func (c *peerConn) kick(code websocket.StatusCode, cause string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kickLocked(code, cause)
}

func (c *peerConn) kickLocked(code websocket.StatusCode, cause string) {
	if c.kickCode == 0 {
		c.kickCode, c.kickCause = code, cause
	}
	c.cancel()
}

func (c *peerConn) kickStatus() (websocket.StatusCode, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kickCode == 0 {
		return websocket.StatusGoingAway, "closing"
	}
	return c.kickCode, c.kickCause
}

// start runs the writer and pinger.
func (c *peerConn) start(writeTimeout, pingInterval time.Duration) {
	c.wg.Add(2)
	go func() {
		defer c.wg.Done()
		c.writeLoop(writeTimeout)
	}()
	go func() {
		defer c.wg.Done()
		c.pingLoop(pingInterval, writeTimeout)
	}()
}

// stop cuts the connection (if still open) and waits for the goroutines.
func (c *peerConn) stop() {
	c.cancel()
	c.wg.Wait()
}

func (c *peerConn) writeLoop(writeTimeout time.Duration) {
	for {
		select {
		case b, ok := <-c.send:
			if !ok {
				// Session over: everything queued is written.
				c.ws.Close(websocket.StatusNormalClosure, "session ended")
				c.cancel()
				return
			}
			ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.kick(websocket.StatusPolicyViolation, "write failed")
				c.ws.CloseNow()
				return
			}
		case <-c.ctx.Done():
			// A write cut short by the cancel has already closed the
			// socket; otherwise this sends the close frame, bounded by the
			// library's own close timeouts. Only this connection waits.
			code, cause := c.kickStatus()
			c.ws.Close(code, cause)
			return
		}
	}
}

func (c *peerConn) pingLoop(interval, timeout time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(c.ctx, timeout)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.kick(websocket.StatusGoingAway, "keep-alive failed")
				return
			}
		}
	}
}
