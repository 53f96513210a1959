package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/wire"
)

var testAssets = fstest.MapFS{
	"index.html":        {Data: []byte("<!doctype html><title>QuickHelp</title>")},
	"assets/index.js":   {Data: []byte("console.log(1)")},
	"assets/index.css":  {Data: []byte("body{}")},
	"nested/readme.txt": {Data: []byte("x")},
}

// recorder is a RequestHandler that records what the bridge hands it.
type recorder struct {
	mu        sync.Mutex
	reqs      []wire.BridgeRequest
	connected atomic.Int32
	drops     atomic.Int32
	got       chan wire.BridgeRequest
}

func newRecorder() *recorder { return &recorder{got: make(chan wire.BridgeRequest, 64)} }

func (r *recorder) HandleRequest(req wire.BridgeRequest) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	r.got <- req
}
func (r *recorder) PageConnected() { r.connected.Add(1) }
func (r *recorder) FramesDropped() { r.drops.Add(1) }

// startBridge serves a bridge on a real loopback listener until the test ends.
func startBridge(t *testing.T, h RequestHandler, origins ...string) (*Bridge, string) {
	t.Helper()
	b, err := New(Config{Assets: testAssets, Handler: h, AllowedOrigins: origins})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return b, "http://" + ln.Addr().String()
}

func dialPage(ctx context.Context, base, token, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	u := strings.Replace(base, "http://", "ws://", 1) + Path
	if token != "" {
		u += "?token=" + token
	}
	return websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
}

func TestBridgeRefusesStrangers(t *testing.T) {
	b, base := startBridge(t, newRecorder(), "wails://wails")
	tests := []struct {
		name, token, origin string
		ok                  bool
	}{
		{"right token and origin", b.Token(), base, true},
		{"localhost origin", b.Token(), strings.Replace(base, "127.0.0.1", "localhost", 1), true},
		{"desktop webview origin", b.Token(), "wails://wails", true},
		{"missing token", "", base, false},
		{"wrong token", b.Token()[:len(b.Token())-1] + "x", base, false},
		{"foreign origin", b.Token(), "http://evil.example", false},
		{"foreign origin on our port", b.Token(), strings.Replace(base, "127.0.0.1", "evil.example", 1), false},
		{"other loopback port", b.Token(), "http://127.0.0.1:1", false},
		{"no origin", b.Token(), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, resp, err := dialPage(ctx, base, tt.token, tt.origin)
			if tt.ok {
				if err != nil {
					t.Fatalf("dial(%q, %q) error %v, want success", tt.token, tt.origin, err)
				}
				c.Close(websocket.StatusNormalClosure, "")
				return
			}
			if err == nil {
				c.CloseNow()
				t.Fatalf("dial(%q, %q) succeeded, want refusal", tt.token, tt.origin)
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("dial(%q, %q) response %v, want 403", tt.token, tt.origin, resp)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != CSP {
				t.Errorf("refusal CSP = %q, want %q", got, CSP)
			}
		})
	}
}

func TestBridgeRefusesForeignHost(t *testing.T) {
	b, base := startBridge(t, newRecorder())
	for _, path := range []string{"/", Path + "?token=" + b.Token()} {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		// A DNS-rebinding page reaches our port under its own name.
		req.Host = "rebind.example:" + strings.Split(base, ":")[2]
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s with Host %s = %d, want 403", path, req.Host, resp.StatusCode)
		}
	}
}

func TestBridgeServesPageWithCSP(t *testing.T) {
	_, base := startBridge(t, newRecorder())
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "<title>QuickHelp</title>"},
		{"/assets/index.js", 200, "console.log(1)"},
		{"/missing.js", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.status)
			}
			if !strings.Contains(buf.String(), tt.body) {
				t.Errorf("GET %s body = %q, want it to contain %q", tt.path, buf.String(), tt.body)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != CSP {
				t.Errorf("GET %s CSP = %q, want %q", tt.path, got, CSP)
			}
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(resp.Header.Get("Content-Security-Policy"), want) {
					t.Errorf("CSP lacks %q", want)
				}
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s lacks nosniff", tt.path)
			}
		})
	}
	resp, err := http.Post(base+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", resp.StatusCode)
	}
}

func TestNewBridgeValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no assets", Config{}},
		{"no index.html", Config{Assets: fstest.MapFS{"a.js": {}}}},
		{"origin without scheme", Config{Assets: testAssets, AllowedOrigins: []string{"wails"}}},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%s) error = %v, want ErrInvalidConfig", tt.name, err)
		}
	}
	b1, _ := New(Config{Assets: testAssets})
	b2, _ := New(Config{Assets: testAssets})
	if b1.Token() == b2.Token() || len(b1.Token()) < 40 {
		t.Errorf("tokens %q and %q: want distinct random tokens of 32 bytes", b1.Token(), b2.Token())
	}
	// Serve refuses anything but loopback; an unspecified address is not loopback.
	ln2, err := net.Listen("tcp", "0.0.0.0:0")
	if err == nil {
		defer ln2.Close()
		if err := b1.Serve(context.Background(), ln2); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Serve(0.0.0.0) error = %v, want ErrInvalidConfig", err)
		}
	}
}

// readEvent reads JSON events until one of type typ arrives.
func readEvent(t *testing.T, ctx context.Context, c *websocket.Conn, typ string) wire.BridgeEvent {
	t.Helper()
	for {
		mt, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s event: %v", typ, err)
		}
		if mt != websocket.MessageText {
			continue
		}
		e, err := wire.DecodeBridgeEvent(data)
		if err != nil {
			t.Fatalf("page got an invalid event %s: %v", data, err)
		}
		if e.Type == typ {
			return e
		}
	}
}

func TestBridgeRequestsEventsAndFrames(t *testing.T) {
	rec := newRecorder()
	b, base := startBridge(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := dialPage(ctx, base, b.Token(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()

	// Requests are decoded and handed on in order; invalid ones get an error event.
	send := func(s string) {
		if err := c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	send(`{"type":"login","email":"a@b.c","password":"pw"}`)
	send(`{"type":"input","input":{"t":"move","x":7,"y":0}}`)
	send(`{"type":"keyframe"}`)
	for _, want := range []string{wire.BridgeLogin, wire.BridgeKeyframe} {
		select {
		case r := <-rec.got:
			if r.Type != want {
				t.Fatalf("handler got %q, want %q", r.Type, want)
			}
		case <-ctx.Done():
			t.Fatalf("handler never got %q", want)
		}
	}
	if e := readEvent(t, ctx, c, wire.BridgeError); e.Reason != wire.ReasonBadRequest {
		t.Errorf("invalid request answered with reason %q, want %q", e.Reason, wire.ReasonBadRequest)
	}
	if rec.connected.Load() != 1 {
		t.Errorf("PageConnected called %d times, want 1", rec.connected.Load())
	}

	// Frames arrive as the fixtures' exact bytes.
	for _, name := range []string{"frame-vp8-key.bin", "frame-vp8-delta.bin"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "wire", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := wire.DecodeFrame(raw)
		if err != nil {
			t.Fatal(err)
		}
		b.Frame(f)
		for {
			mt, data, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if mt == websocket.MessageBinary {
				if !bytes.Equal(data, raw) {
					t.Errorf("page got %d bytes for %s, want the fixture's %d", len(data), name, len(raw))
				}
				break
			}
		}
	}

	b.Event(wire.BridgeEvent{Type: wire.BridgeSession, Code: "ABCD-EFGH", ExpiresAt: 1})
	if e := readEvent(t, ctx, c, wire.BridgeSession); e.Code != "ABCD-EFGH" {
		t.Errorf("session event code = %q", e.Code)
	}
}

func TestBridgeNewPageReplacesOld(t *testing.T) {
	rec := newRecorder()
	b, base := startBridge(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	first, _, err := dialPage(ctx, base, b.Token(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer first.CloseNow()
	// The upgrade completes before the bridge takes the page: wait for it,
	// or the second page could be taken first and be the one replaced.
	for rec.connected.Load() == 0 {
		if ctx.Err() != nil {
			t.Fatal("the first page was never taken")
		}
		time.Sleep(5 * time.Millisecond)
	}
	second, _, err := dialPage(ctx, base, b.Token(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer second.CloseNow()
	_, _, err = first.Read(ctx)
	if got := websocket.CloseStatus(err); got != StatusReplaced {
		t.Errorf("first page closed with %v (%v), want %d", got, err, StatusReplaced)
	}
	b.Event(wire.BridgeEvent{Type: wire.BridgeNotice, Reason: "x"})
	if e := readEvent(t, ctx, second, wire.BridgeNotice); e.Reason != "x" {
		t.Errorf("second page notice = %+v", e)
	}
}

func frameN(seq uint32, key bool) wire.Frame {
	return wire.Frame{Keyframe: key, Codec: wire.CodecVP8, Seq: seq, Data: []byte(fmt.Sprint(seq))}
}

// TestPageConnQueuePolicy checks the bounded queues' full behaviour.
func TestPageConnQueuePolicy(t *testing.T) {
	var dropped atomic.Uint64
	drops := 0
	p := newPageConn(nil, 3, 2, time.Second, func() { drops++ }, &dropped)

	for i, key := range []bool{true, false, false} {
		p.frame(frameN(uint32(i+1), key))
	}
	p.frame(frameN(4, false)) // full: everything queued goes, deltas wait for a keyframe
	if drops != 1 || dropped.Load() != 4 {
		t.Fatalf("after overflow: onDrop %d times, dropped %d; want 1 and 4", drops, dropped.Load())
	}
	p.frame(frameN(5, false))
	p.frame(frameN(6, true))
	p.frame(frameN(7, false))
	var seqs []uint32
	for {
		typ, data, ok := p.next(nil)
		if !ok {
			break
		}
		if typ != websocket.MessageBinary {
			t.Fatalf("unexpected text message %s", data)
		}
		f, err := wire.DecodeFrame(data)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, f.Seq)
	}
	if fmt.Sprint(seqs) != "[6 7]" || dropped.Load() != 5 {
		t.Errorf("queued frames %v, dropped %d; want [6 7] and 5", seqs, dropped.Load())
	}

	// Cursor positions coalesce to the newest; events come before frames.
	p.frame(frameN(8, false))
	p.event(wire.BridgeEvent{Type: wire.BridgeCursor, Cursor: &wire.Cursor{T: wire.CursorPosition, X: 0.1}})
	p.event(wire.BridgeEvent{Type: wire.BridgeCursor, Cursor: &wire.Cursor{T: wire.CursorPosition, X: 0.2}})
	p.event(wire.BridgeEvent{Type: wire.BridgeNotice, Reason: "n"})
	var order []string
	for {
		typ, data, ok := p.next(nil)
		if !ok {
			break
		}
		if typ == websocket.MessageBinary {
			order = append(order, "frame")
			continue
		}
		var e wire.BridgeEvent
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatal(err)
		}
		if e.Cursor != nil {
			order = append(order, fmt.Sprintf("cursor %.1f", e.Cursor.X))
		} else {
			order = append(order, e.Type)
		}
	}
	if got := strings.Join(order, ","); got != "notice,cursor 0.2,frame" {
		t.Errorf("write order %s, want notice,cursor 0.2,frame", got)
	}

	// A full event queue closes the connection instead of growing.
	p.event(wire.BridgeEvent{Type: wire.BridgeNotice})
	p.event(wire.BridgeEvent{Type: wire.BridgeNotice})
	p.event(wire.BridgeEvent{Type: wire.BridgeNotice})
	if code, _, closed := p.closeStatus(); !closed || code != websocket.StatusPolicyViolation {
		t.Errorf("after event overflow closed=%v code=%v, want closed with policy violation", closed, code)
	}
	if _, _, ok := p.next(nil); ok {
		t.Errorf("a closed connection still has queued messages")
	}
}
