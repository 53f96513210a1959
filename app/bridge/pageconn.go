package bridge

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/wire"
)

// pageConn is one page's WebSocket and its bounded outgoing queues. One
// writer goroutine drains them in priority order: JSON events, then the
// latest cursor position, then frames.
//
// When full: the event queue closes the connection (the page reconnects and
// gets a fresh state); the frame queue drops every queued frame and then
// every delta until the next keyframe (the page could not decode them
// anyway), and asks for a keyframe; cursor positions keep only the newest.
type pageConn struct {
	conn         *websocket.Conn
	frameCap     int
	eventCap     int
	writeTimeout time.Duration
	onDrop       func()
	dropped      *atomic.Uint64

	wake chan struct{} // capacity 1: something was queued

	mu       sync.Mutex // guards the fields below
	events   [][]byte
	cursor   []byte // the newest unsent cursor position
	frames   []wire.Frame
	needKey  bool // frames were dropped: skip deltas until a keyframe
	closed   bool
	closeErr struct {
		code websocket.StatusCode
		why  string
	}
}

func newPageConn(conn *websocket.Conn, frameCap, eventCap int, writeTimeout time.Duration, onDrop func(), dropped *atomic.Uint64) *pageConn {
	return &pageConn{
		conn: conn, frameCap: frameCap, eventCap: eventCap, writeTimeout: writeTimeout,
		onDrop: onDrop, dropped: dropped, wake: make(chan struct{}, 1),
	}
}

func (p *pageConn) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pageConn) event(e wire.BridgeEvent) {
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	if e.Type == wire.BridgeCursor && e.Cursor != nil && e.Cursor.T == wire.CursorPosition {
		p.cursor = data
		p.mu.Unlock()
		p.signal()
		return
	}
	if len(p.events) >= p.eventCap {
		p.mu.Unlock()
		p.close(websocket.StatusPolicyViolation, "page too slow")
		return
	}
	p.events = append(p.events, data)
	p.mu.Unlock()
	p.signal()
}

func (p *pageConn) frame(f wire.Frame) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.dropped.Add(1)
		return
	}
	if p.needKey && !f.Keyframe {
		p.mu.Unlock()
		p.dropped.Add(1)
		return
	}
	if len(p.frames) >= p.frameCap {
		p.dropped.Add(uint64(len(p.frames)))
		p.frames = p.frames[:0]
		if !f.Keyframe {
			p.needKey = true
			p.dropped.Add(1)
			p.mu.Unlock()
			p.onDrop()
			return
		}
	}
	if f.Keyframe {
		p.needKey = false
	}
	// The frame's bytes belong to the caller's buffer only for the call.
	f.Data = append([]byte(nil), f.Data...)
	p.frames = append(p.frames, f)
	p.mu.Unlock()
	p.signal()
}

// next pops the next message to write, or ok=false when nothing is queued.
func (p *pageConn) next(buf []byte) (typ websocket.MessageType, data []byte, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case len(p.events) > 0:
		data = p.events[0]
		p.events[0] = nil
		p.events = p.events[1:]
		return websocket.MessageText, data, true
	case p.cursor != nil:
		data, p.cursor = p.cursor, nil
		return websocket.MessageText, data, true
	case len(p.frames) > 0:
		f := p.frames[0]
		p.frames[0] = wire.Frame{}
		p.frames = p.frames[1:]
		return websocket.MessageBinary, wire.AppendFrame(buf[:0], f), true
	}
	return 0, nil, false
}

func (p *pageConn) writeLoop(ctx context.Context) {
	var buf []byte
	for {
		typ, data, ok := p.next(buf)
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-p.wake:
				if code, why, closed := p.closeStatus(); closed {
					// Best-effort close handshake, bounded by the library's timeout.
					_ = p.conn.Close(code, why)
					return
				}
				continue
			}
		}
		wctx, cancel := context.WithTimeout(ctx, p.writeTimeout)
		err := p.conn.Write(wctx, typ, data)
		cancel()
		if err != nil {
			p.close(websocket.StatusPolicyViolation, "write failed")
			_ = p.conn.CloseNow()
			return
		}
		if typ == websocket.MessageBinary {
			buf = data
		}
	}
}

func (p *pageConn) closeStatus() (websocket.StatusCode, string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closeErr.code, p.closeErr.why, p.closed
}

// close marks the connection closed and drops what is queued; the writer
// goroutine sends the close frame, which also ends the reader.
func (p *pageConn) close(code websocket.StatusCode, why string) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.closeErr.code, p.closeErr.why = code, why
	p.events, p.frames, p.cursor = nil, nil, nil
	p.mu.Unlock()
	p.signal()
}
