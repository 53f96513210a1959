package rtc

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/wire"
)

// Short deadlines so an outage plays out in seconds: a pair silent for
// 500 ms is disconnected; 1.5 s of that is more than a blip; 2 s brings a
// restart.
const (
	testBlip    = 1500 * time.Millisecond
	testRestart = 2 * time.Second
)

// watched is one real pion peer on a virtual network with its Signaling
// and PathWatch, counting what the watch did.
type watched struct {
	pc       *webrtc.PeerConnection
	loop     *Loop
	sig      *Signaling
	watch    *PathWatch
	out      chan wire.Envelope
	up       chan struct{} // a value per StateConnected
	drops    atomic.Int32
	restarts atomic.Int32
	blips    atomic.Int32 // recoveries that were blips
	wg       sync.WaitGroup
}

func newWatched(t *testing.T, role Role, router *vnet.Router, ip string, onRestart func(*watched)) *watched {
	t.Helper()
	nw, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}})
	if err != nil {
		t.Fatal(err)
	}
	if err := router.AddNet(nw); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetNet(nw)
	se.LoggerFactory = PionLogs(slog.New(slog.DiscardHandler))
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(500*time.Millisecond, 3*time.Second, 100*time.Millisecond)
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if role == Offerer {
		// An offer needs a section to negotiate ICE for.
		if _, err := pc.CreateDataChannel("test", nil); err != nil {
			t.Fatal(err)
		}
	}
	w := &watched{pc: pc, loop: NewLoop(64, ErrClosed), out: make(chan wire.Envelope, 256), up: make(chan struct{}, 16)}
	w.watch = NewPathWatch(PathWatchConfig{
		Loop: w.loop, Blip: testBlip, RestartAfter: testRestart,
		OnDrop:    func() { w.drops.Add(1) },
		OnRestart: func() { w.restarts.Add(1); onRestart(w) },
		OnRecovered: func(blip bool) {
			if blip {
				w.blips.Add(1)
			}
		},
	})
	w.sig, err = NewSignaling(SignalingConfig{
		Role: role, PC: pc, Loop: w.loop,
		Signal: func(env wire.Envelope) error {
			select {
			case w.out <- env:
				return nil
			default:
				return errors.New("test signal queue full")
			}
		},
		OnState: func(_, cur State) {
			w.watch.Update(cur)
			if cur == StateConnected {
				w.up <- struct{}{}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.wg.Go(w.loop.Run)
	t.Cleanup(func() { _ = w.sig.Close(w.wg.Wait) })
	return w
}

// watchedPair connects an offerer and an answerer over a virtual router
// whose packets are dropped while the returned flag is set. The answerer's
// restart request reaches the offerer like the helper's ice-restart.
func watchedPair(t *testing.T) (off, ans *watched, blocked *atomic.Bool) {
	t.Helper()
	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "192.0.2.0/24", LoggerFactory: PionLogs(slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	blocked = new(atomic.Bool)
	router.AddChunkFilter(func(vnet.Chunk) bool { return !blocked.Load() })
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	asked := make(chan struct{}, 8)
	off = newWatched(t, Offerer, router, "192.0.2.10", func(w *watched) {
		go func() { _ = w.sig.Restart(ctx) }() // the watch runs on the loop Restart needs
	})
	ans = newWatched(t, Answerer, router, "192.0.2.20", func(*watched) {
		select {
		case asked <- struct{}{}:
		default:
		}
	})
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	carry := func(from, to *watched) {
		Consume(ctx.Done(), from.out, func(env wire.Envelope) {
			_ = to.sig.HandleSignal(ctx, env) // old-generation candidates may be refused
		})
	}
	wg.Go(func() { carry(off, ans) })
	wg.Go(func() { carry(ans, off) })
	wg.Go(func() {
		for {
			select {
			case <-asked:
				_ = off.sig.Restart(ctx)
			case <-ctx.Done():
				return
			}
		}
	})
	if err := off.sig.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitUp(t, off, 10*time.Second)
	waitUp(t, ans, 10*time.Second)
	return off, ans, blocked
}

func waitUp(t *testing.T, w *watched, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-w.up:
		return time.Since(start)
	case <-time.After(limit):
		t.Fatalf("not connected within %v", limit)
		return 0
	}
}

// A blip (connected again within the blip time, no restart) keeps what
// an outage drops: OnDrop does not run, nothing restarts.
func TestPathWatchBlipKeepsControl(t *testing.T) {
	off, ans, blocked := watchedPair(t)
	blocked.Store(true)
	time.Sleep(900 * time.Millisecond) // disconnected after 500 ms of silence
	blocked.Store(false)
	waitUp(t, off, 3*time.Second)
	waitUp(t, ans, 3*time.Second)
	for _, w := range []*watched{off, ans} {
		if d, r, b := w.drops.Load(), w.restarts.Load(), w.blips.Load(); d != 0 || r != 0 || b != 1 {
			t.Errorf("after a blip: drops %d, restarts %d, blips %d; want 0, 0, 1", d, r, b)
		}
	}
}

// An outage longer than a blip drops control once per side, restarts ICE
// (both ways: the answerer asks) and recovers soon after the path returns.
func TestPathWatchOutageDropsAndRestarts(t *testing.T) {
	off, ans, blocked := watchedPair(t)
	blocked.Store(true)
	time.Sleep(4 * time.Second)
	blocked.Store(false)
	// Restarts come every 2 s while the path is down: the next one after
	// the path returned connects.
	if d := waitUp(t, off, 5*time.Second); d > 5*time.Second {
		t.Errorf("offerer back after %v, want within 5 s", d)
	}
	waitUp(t, ans, 5*time.Second)
	for name, w := range map[string]*watched{"offerer": off, "answerer": ans} {
		if d, r, b := w.drops.Load(), w.restarts.Load(), w.blips.Load(); d != 1 || r < 1 || b != 0 {
			t.Errorf("%s after an outage: drops %d, restarts %d, blips %d; want 1, ≥1, 0", name, d, r, b)
		}
	}
}

// The state sequences alone, on a real Loop: a failure restarts at once,
// Restarted counts as an outage, and the first connect is no recovery.
func TestPathWatchRules(t *testing.T) {
	l := NewLoop(16, errTestClosed)
	running(t, l)
	var drops, restarts, recovered, unreachable atomic.Int32
	var w *PathWatch
	do(t, l, func() {
		w = NewPathWatch(PathWatchConfig{
			Loop: l, Blip: time.Hour, RestartAfter: time.Hour, Unreachable: 200 * time.Millisecond,
			OnDrop: func() { drops.Add(1) }, OnRestart: func() { restarts.Add(1) },
			OnRecovered:   func(bool) { recovered.Add(1) },
			OnUnreachable: func() { unreachable.Add(1) },
		})
		w.Update(StateConnecting)
	})
	time.Sleep(400 * time.Millisecond)
	do(t, l, func() { w.Update(StateConnected) })
	if u, r := unreachable.Load(), recovered.Load(); u != 1 || r != 1 {
		t.Errorf("first connect after the deadline: unreachable %d, recovered %d; want 1, 1", u, r)
	}
	do(t, l, func() { w.Update(StateFailed) })
	if d, r := drops.Load(), restarts.Load(); d != 1 || r != 1 {
		t.Errorf("failed: drops %d, restarts %d; want 1, 1", d, r)
	}
	do(t, l, func() { w.Update(StateConnected); w.Restarted() })
	if d, r := drops.Load(), recovered.Load(); d != 2 || r != 2 {
		t.Errorf("Restarted: drops %d, recovered %d; want 2, 2", d, r)
	}
	// A first connect in time is no recovery.
	do(t, l, func() {
		w2 := NewPathWatch(PathWatchConfig{Loop: l, OnRecovered: func(bool) { recovered.Add(1) }})
		w2.Update(StateConnecting)
		w2.Update(StateConnected)
		w2.Stop()
	})
	if r := recovered.Load(); r != 2 {
		t.Errorf("a first connect in time counted as a recovery (%d, want 2)", r)
	}
	do(t, l, func() { w.Stop() })
}
