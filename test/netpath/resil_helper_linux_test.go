//go:build linux

package netpath

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// envResil makes the helper child the long-running one of the resilience
// scenarios: it behaves as the helper console does on a broken path (asks
// the sharer for ICE restarts through rtc.PathWatch) and prints one line
// per event for the parent:
//
//	CODE c                  the session code
//	CONTROL-REQUESTED       video flows; control was asked for
//	GRANTED                 control granted
//	REVOKED reason          control revoked, with its reason
//	STATE s                 the viewer's connection state
//	RESTART-OFFER           the sharer's ICE-restart offer arrived
//	ASKED-RESTART           an ice-restart request went to the sharer
//	FRAMES n                frames received so far (every 250 ms)
const envResil = "QH_NETPATH_RESIL"

// runResilChild runs until its standard input closes or 100 s pass.
func runResilChild() int {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	if err := resilSession(ctx, os.Stdout); err != nil && ctx.Err() == nil {
		fmt.Printf("ERROR %v\n", err)
		return 1
	}
	return 0
}

func resilSession(ctx context.Context, out io.Writer) error {
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
	}
	sess, cr, err := openSession(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()
	say("CODE %s", cr.Code)

	// The console's rule on the loop the watch needs.
	loop := rtc.NewLoop(64, rtc.ErrClosed)
	var wg sync.WaitGroup
	wg.Go(loop.Run)
	defer func() { loop.Close(); wg.Wait() }()
	watch := rtc.NewPathWatch(rtc.PathWatchConfig{Loop: loop, OnRestart: func() {
		say("ASKED-RESTART")
		go func() { _ = sess.Send(ctx, wire.Envelope{Type: wire.TypeICERestart}) }()
	}})
	var frames atomic.Int64
	v, err := viewer.New(viewer.Config{
		ICEServers:         cr.ICEServers,
		ICETransportPolicy: rtc.TransportPolicy(cr.ICETransportPolicy, false),
		Signal:             func(env wire.Envelope) error { return sess.Send(ctx, env) },
		OnFrame:            func(wire.Frame) { frames.Add(1) },
		OnState: func(st rtc.State) {
			say("STATE %s", st)
			loop.Post(func() { watch.Update(st) })
		},
	})
	if err != nil {
		return err
	}
	defer v.Close()
	loop.Post(func() { watch.Update(rtc.StateConnecting) })

	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	requested, pointing := false, false
	for {
		select {
		case ev := <-sess.Events():
			if ev.Kind == client.EventClosed {
				return fmt.Errorf("session closed: %v %s", ev.Err, ev.Reason)
			}
			if ev.Kind != client.EventMessage {
				continue
			}
			switch env := ev.Envelope; {
			case env.Type == wire.TypeOffer || env.Type == wire.TypeCandidate:
				if env.Restart {
					say("RESTART-OFFER")
				}
				// A candidate of an older ICE generation may be refused.
				_ = v.HandleSignal(ctx, env)
			case env.Type == wire.TypeControl && env.State == wire.StateGranted:
				say("GRANTED")
				if !pointing {
					pointing = true
					keepPointing(ctx, v)
				}
			case env.Type == wire.TypeControl && env.State == wire.StateRevoked:
				say("REVOKED %s", env.Reason)
			}
		case <-tick.C:
			n := frames.Load()
			say("FRAMES %d", n)
			if !requested && v.Stats().State == rtc.StateConnected && n >= minFrames {
				if err := sess.Send(ctx, wire.Envelope{Type: wire.TypeControlRequest}); err != nil {
					return fmt.Errorf("control request: %w", err)
				}
				requested = true
				say("CONTROL-REQUESTED")
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
