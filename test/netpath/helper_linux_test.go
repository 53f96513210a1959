//go:build linux

package netpath

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
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
	// Control is true once the sharer granted control; the child then
	// keeps moving the pointer to pointerX, pointerY.
	Control bool   `json:"control"`
	Error   string `json:"error,omitempty"`
}

// Where the helper puts the sharer's pointer once control is granted
// (normalised to the shared monitor).
const pointerX, pointerY = 0.25, 0.75

func runHelperChild() int {
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	// The parent closes our standard input once it has what it needs from
	// the sharer; until then the session stays up.
	hold := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin)); close(hold) }()
	report := func(res helperResult) {
		b, _ := json.Marshal(res)
		fmt.Printf("RESULT %s\n", b)
	}
	res, err := helperSession(ctx, os.Stdout, report, hold)
	if err != nil {
		res.Error = err.Error()
		report(res)
		<-hold
		return 1
	}
	return 0
}

// helperSession runs the helper's side until control is granted, reports,
// and keeps the session (and the pointer moves) going until hold closes.
func helperSession(ctx context.Context, out io.Writer, report func(helperResult), hold <-chan struct{}) (helperResult, error) {
	var res helperResult
	sess, cr, err := openSession(ctx)
	if err != nil {
		return res, err
	}
	defer sess.Close()
	res.Policy = cr.ICETransportPolicy
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
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	requested := false
	for {
		select {
		case ev := <-sess.Events():
			if ev.Kind == client.EventClosed {
				return res, fmt.Errorf("session closed: %v %s", ev.Err, ev.Reason)
			}
			if ev.Kind != client.EventMessage {
				continue
			}
			switch env := ev.Envelope; {
			case env.Type == wire.TypeOffer || env.Type == wire.TypeCandidate:
				if err := v.HandleSignal(ctx, env); err != nil {
					return res, fmt.Errorf("signal %s: %w", env.Type, err)
				}
			case env.Type == wire.TypeControl && env.State == wire.StateGranted:
				res.Control = true
				keepPointing(ctx, v)
				report(res)
				select {
				case <-hold:
				case <-ctx.Done():
				}
				return res, nil
			case env.Type == wire.TypeControl && env.State == wire.StateDenied:
				return res, fmt.Errorf("control denied")
			}
		case <-tick.C:
			st := v.Stats()
			res.Frames, res.Bytes, res.Path = frames.Load(), bytes.Load(), st.Path
			if !requested && st.State == rtc.StateConnected && res.Frames >= minFrames {
				// Video flows: ask for control, as the console's button does.
				if err := sess.Send(ctx, wire.Envelope{Type: wire.TypeControlRequest}); err != nil {
					return res, fmt.Errorf("control request: %w", err)
				}
				requested = true
				fmt.Fprintln(out, "CONTROL-REQUESTED")
			}
		case <-ctx.Done():
			return res, fmt.Errorf("no video or control: %w (frames %d, path %+v, control requested %v)",
				ctx.Err(), frames.Load(), res.Path, requested)
		}
	}
}

// openSession signs in as the helper the parent named in the environment,
// creates a session and connects its socket.
func openSession(ctx context.Context) (*client.Session, wire.CreateSessionResponse, error) {
	api, err := client.New(os.Getenv(envServer))
	if err != nil {
		return nil, wire.CreateSessionResponse{}, err
	}
	lr, err := api.Login(ctx, os.Getenv(envEmail), os.Getenv(envPassword))
	if err != nil {
		return nil, wire.CreateSessionResponse{}, fmt.Errorf("login: %w", err)
	}
	cr, err := api.CreateSession(ctx, lr.Token)
	if err != nil {
		return nil, cr, fmt.Errorf("create session: %w", err)
	}
	sess, err := api.Connect(ctx, cr.SessionID, cr.Token, client.ConnectOptions{})
	if err != nil {
		return nil, cr, fmt.Errorf("session websocket: %w", err)
	}
	return sess, cr, nil
}

// keepPointing moves the sharer's pointer to (pointerX, pointerY) now and
// every 200 ms in the background (the input channel may still be opening;
// moves are unreliable by design), until ctx ends or the viewer closes.
func keepPointing(ctx context.Context, v *viewer.Viewer) {
	move := wire.InputEvent{T: wire.InputMove, X: pointerX, Y: pointerY}
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			if err := v.SendInput(move); errors.Is(err, rtc.ErrClosed) {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}
