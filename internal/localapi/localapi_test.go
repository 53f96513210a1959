package localapi

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// recorder is a Controller that remembers commands and publishes events.
type recorder struct {
	mu   sync.Mutex
	cmds []string
	subs []chan wire.LocalEvent
}

func (r *recorder) Do(_ context.Context, req wire.LocalRequest) wire.LocalResponse {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cmds = append(r.cmds, req.Cmd)
	switch req.Cmd {
	case "bogus":
		return wire.LocalResponse{Reason: wire.ReasonBadRequest, Error: "unknown command"}
	case "old-busy", "old-policy":
		// What a sharer daemon of the previous release answered.
		return wire.LocalResponse{Reason: wire.Reason(req.Cmd[len("old-"):]), Error: "refused"}
	}
	return wire.LocalResponse{OK: true, Status: &wire.SharerStatus{State: wire.SharerIdle, Control: wire.ControlNone}}
}

func (r *recorder) Subscribe() (<-chan wire.LocalEvent, func()) {
	ch := make(chan wire.LocalEvent, 8)
	r.mu.Lock()
	r.subs = append(r.subs, ch)
	r.mu.Unlock()
	return ch, func() {}
}

func (r *recorder) publish(ev wire.LocalEvent) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.subs {
		s <- ev
	}
	return len(r.subs)
}

func shortPath(t *testing.T) string {
	// Unix socket paths are limited to ~108 bytes; t.TempDir can be longer.
	dir, err := os.MkdirTemp("", "qh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "run", "sharer.sock")
}

func TestCallAndPermissions(t *testing.T) {
	path := shortPath(t)
	rec := &recorder{}
	s, err := Serve(path, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("socket mode = %o, want 600", got)
	}
	di, _ := os.Stat(filepath.Dir(path))
	if got := di.Mode().Perm(); got != 0o700 {
		t.Errorf("dir mode = %o, want 700", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := Client{Path: path}
	tests := []struct {
		cmd    string
		wantOK bool
	}{
		{wire.LocalStatus, true},
		{wire.LocalAllow, true},
		{"bogus", false},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			resp, err := cl.Call(ctx, wire.LocalRequest{Cmd: tt.cmd})
			if err != nil {
				t.Fatal(err)
			}
			if resp.OK != tt.wantOK {
				t.Errorf("Call(%q).OK = %v, want %v (error %q)", tt.cmd, resp.OK, tt.wantOK, resp.Error)
			}
		})
	}
	rec.mu.Lock()
	got := len(rec.cmds)
	rec.mu.Unlock()
	if got != len(tests) {
		t.Errorf("controller saw %d commands, want %d", got, len(tests))
	}
}

func TestSecondDaemonRefusedAndStaleSocketReplaced(t *testing.T) {
	path := shortPath(t)
	s, err := Serve(path, &recorder{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Serve(path, &recorder{}, nil); err == nil {
		t.Fatal("second Serve on a live socket succeeded, want an error")
	}
	s.Close()
	// A socket file left behind (as after a crash) must not stop a new daemon.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := Serve(path, &recorder{}, nil)
	if err != nil {
		t.Fatalf("Serve over a stale socket: %v", err)
	}
	s2.Close()
}

func TestEventsStream(t *testing.T) {
	path := shortPath(t)
	rec := &recorder{}
	s, err := Serve(path, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events, err := Client{Path: path}.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for rec.publish(wire.LocalEvent{Type: wire.EventChat, Text: "hello"}) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	for s.Subscribers() != 1 {
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case ev := <-events:
		if ev.Type != wire.EventChat || ev.Text != "hello" {
			t.Errorf("event = %+v, want chat hello", ev)
		}
	case <-ctx.Done():
		t.Fatal("no event received")
	}
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	for s.Subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("Subscribers() = %d after the client left, want 0", s.Subscribers())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMalformedAndOversizedRequests(t *testing.T) {
	path := shortPath(t)
	s, err := Serve(path, &recorder{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("{not json\n"))
	buf := make([]byte, 256)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	if err != nil || n == 0 {
		t.Fatalf("no answer to a malformed request: %v", err)
	}
	var resp wire.LocalResponse
	if err := json.Unmarshal(buf[:n], &resp); err != nil || resp.OK || resp.Reason != wire.ReasonBadRequest {
		t.Errorf("answer to a malformed request = %s (%v), want refused with %q", buf[:n], err, wire.ReasonBadRequest)
	}
	// An over-long line ends the connection instead of growing memory.
	big := make([]byte, MaxLineBytes+10)
	for i := range big {
		big[i] = 'a'
	}
	c.Write(big)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(buf); err == nil {
		t.Error("connection still open after an oversized line")
	}
	if _, err := (Client{Path: path}).Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus}); err != nil {
		t.Errorf("server unusable after abuse: %v", err)
	}
}

func TestNotRunning(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Client{Path: shortPath(t)}.Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus})
	if err == nil {
		t.Fatal("Call without a daemon succeeded")
	}
}

// TestOlderDaemonReasons: a client of this release understands the refusal
// reasons a daemon of the previous release sends over the socket.
func TestOlderDaemonReasons(t *testing.T) {
	path := shortPath(t)
	s, err := Serve(path, &recorder{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		cmd  string
		want wire.Reason
	}{
		{"old-busy", wire.ReasonSessionBusy},
		{"old-policy", wire.ReasonMachinePolicy},
		{"bogus", wire.ReasonBadRequest},
	}
	for _, tt := range tests {
		resp, err := (Client{Path: path}).Call(ctx, wire.LocalRequest{Cmd: tt.cmd})
		if err != nil {
			t.Fatal(err)
		}
		if resp.OK || resp.Reason != tt.want {
			t.Errorf("Call(%q) = %+v, want refused with %q", tt.cmd, resp, tt.want)
		}
	}
}
