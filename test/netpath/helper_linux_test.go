//go:build linux

package netpath

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// The helper side runs as a child of the test binary inside the helper's
// namespace: it signs in, creates a code, and receives the sharer's screen
// through the real viewer, then reports what it saw.
const (
	envHelper   = "QH_NETPATH_HELPER"
	envServer   = "QH_NETPATH_SERVER"
	envEmail    = "QH_NETPATH_EMAIL"
	envPassword = "QH_NETPATH_PASSWORD"
	minFrames   = 15
)

// helperResult is the child's report, one JSON line after "RESULT ".
type helperResult struct {
	Policy string   `json:"policy"` // the session's ICE policy from the service
	Frames int64    `json:"frames"`
	Bytes  int64    `json:"bytes"`
	Path   rtc.Path `json:"path"`
	Error  string   `json:"error,omitempty"`
}

func runHelperChild() int {
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	res, err := helperSession(ctx, os.Stdout)
	if err != nil {
		res.Error = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", b)
	// Stay until the parent has what it needs from the sharer and closes
	// our standard input.
	_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
	if err != nil {
		return 1
	}
	return 0
}

func helperSession(ctx context.Context, out io.Writer) (helperResult, error) {
	var res helperResult
	api, err := client.New(os.Getenv(envServer))
	if err != nil {
		return res, err
	}
	lr, err := api.Login(ctx, os.Getenv(envEmail), os.Getenv(envPassword))
	if err != nil {
		return res, fmt.Errorf("login: %w", err)
	}
	cr, err := api.CreateSession(ctx, lr.Token)
	if err != nil {
		return res, fmt.Errorf("create session: %w", err)
	}
	res.Policy = cr.ICETransportPolicy
	sess, err := api.Connect(ctx, cr.SessionID, cr.Token, client.ConnectOptions{})
	if err != nil {
		return res, fmt.Errorf("session websocket: %w", err)
	}
	defer sess.Close()
	fmt.Fprintf(out, "CODE %s\n", cr.Code)
	var frames, bytes atomic.Int64
	v, err := viewer.New(viewer.Config{
		ICEServers:         cr.ICEServers,
		ICETransportPolicy: rtc.TransportPolicy(cr.ICETransportPolicy, false),
		Signal:             func(env wire.Envelope) error { return sess.Send(ctx, env) },
		OnFrame: func(f wire.Frame) {
			frames.Add(1)
			bytes.Add(int64(len(f.Data)))
		},
	})
	if err != nil {
		return res, err
	}
	defer v.Close()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case ev := <-sess.Events():
			if ev.Kind == client.EventClosed {
				return res, fmt.Errorf("session closed: %v %s", ev.Err, ev.Reason)
			}
			if ev.Kind == client.EventMessage && (ev.Envelope.Type == wire.TypeOffer || ev.Envelope.Type == wire.TypeCandidate) {
				if err := v.HandleSignal(ctx, ev.Envelope); err != nil {
					return res, fmt.Errorf("signal %s: %w", ev.Envelope.Type, err)
				}
			}
		case <-tick.C:
			st := v.Stats()
			res.Frames, res.Bytes, res.Path = frames.Load(), bytes.Load(), st.Path
			if st.State == rtc.StateConnected && res.Frames >= minFrames {
				return res, nil
			}
		case <-ctx.Done():
			return res, fmt.Errorf("no video: %w (frames %d, path %+v)", ctx.Err(), frames.Load(), res.Path)
		}
	}
}
