package localapi

import (
	"context"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// stopper is a Controller whose "quit" stops the server while the command
// is still being answered, as the sharer daemon's wire.LocalQuit does:
// the program exits and closes the local API at once.
type stopper struct {
	recorder
	srv     chan *Server
	closing chan struct{}
}

func (c *stopper) Do(ctx context.Context, req wire.LocalRequest) wire.LocalResponse {
	if req.Cmd != wire.LocalQuit {
		return c.recorder.Do(ctx, req)
	}
	s := <-c.srv
	go s.Close()
	// Give Close time to cancel the server's context and reach the
	// connection before this answer is written.
	<-c.closing
	time.Sleep(50 * time.Millisecond)
	return wire.LocalResponse{OK: true, Status: &wire.SharerStatus{State: wire.SharerIdle, Control: wire.ControlNone}}
}

// A command that closes the server is still answered: the client reads the
// answer, not a closed connection.
func TestAnsweredWhileClosing(t *testing.T) {
	path := shortPath(t)
	ctl := &stopper{srv: make(chan *Server, 1), closing: make(chan struct{})}
	s, err := Serve(path, ctl, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctl.srv <- s
	context.AfterFunc(s.ctx, func() { close(ctl.closing) })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := Client{Path: path}.Call(ctx, wire.LocalRequest{Cmd: wire.LocalQuit})
	if err != nil {
		t.Fatalf("quit while the server closes: %v", err)
	}
	if !resp.OK {
		t.Fatalf("quit answered %+v, want OK", resp)
	}
	// The server is closed now: a new connection is refused.
	if _, err := (Client{Path: path}).Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus}); err == nil {
		t.Fatal("a call after Close succeeded")
	}
}
