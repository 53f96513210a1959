package rtc

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// ICE timeouts both peers use (pion's defaults are 5 s, 25 s and 2 s): a
// selected pair from which nothing has been received for ICEDisconnected
// is disconnected, and ICEFailed later it has failed. With these a dead
// path is noticed in two to four seconds (pion looks every two) and given
// up in seven, instead of half a minute.
//
// ICEKeepalive is 0: no STUN keepalives on the selected pair. Every packet
// received counts as life, and RTCP already flows both ways every second
// whatever the screen does (the sharer's sender reports once it has sent a
// frame, the helper's receiver reports), so the path never goes quiet
// while both ends are alive. Keepalives every 500 ms in both directions
// cost a still screen ~4 kbit/s of the sharer's uplink, more than the
// picture itself (bench/README.md, static). The peers are both QuickHelp:
// no browser's consent checks wait for them.
const (
	ICEDisconnected = 2 * time.Second
	ICEFailed       = 5 * time.Second
	ICEKeepalive    = time.Duration(0)
)

// Defaults of a PathWatch.
const (
	// DefaultBlip is the longest interruption that keeps control: a path
	// that is disconnected and connected again within it was a blip.
	DefaultBlip = 2 * time.Second
	// DefaultRestartAfter is how long a path stays disconnected before an
	// ICE restart, and the interval between restarts while it stays down.
	DefaultRestartAfter = 2500 * time.Millisecond
	// DefaultUnreachable is how long a connection may take (first connect
	// or recovery) before the people are told it cannot be made.
	DefaultUnreachable = 15 * time.Second
)

// PrflxAcceptanceMinWait is how long after ICE starts the controlling
// peer (the sharer) may choose a pair whose remote candidate it learned
// from the other's check (peer reflexive) rather than from signalling.
// Such a pair is common: the helper's checks can arrive before its
// candidates do. pion waits 1 s for one, so that a better pair may win;
// one session start in ten waited that second (bench-compare's start
// workload: Allow → first frame ~1.1 s instead of ~0.3). A short wait
// still lets a direct pair that validates at the same time win.
const PrflxAcceptanceMinWait = 100 * time.Millisecond

// fastICE applies the ICE timeouts above.
func fastICE(se *webrtc.SettingEngine) {
	se.SetICETimeouts(ICEDisconnected, ICEFailed, ICEKeepalive)
	se.SetPrflxAcceptanceMinWait(PrflxAcceptanceMinWait)
}

// PathWatchConfig configures a PathWatch. Loop is required; zero durations
// take the defaults and nil callbacks are skipped. Callbacks run on the
// loop goroutine.
type PathWatchConfig struct {
	Loop                            *Loop
	Blip, RestartAfter, Unreachable time.Duration
	// OnDrop runs once per outage when it outlasts Blip, fails or is
	// restarted: the owner drops what a blip may keep (control).
	OnDrop func()
	// OnRestart runs when the path has been down for RestartAfter, at once
	// when it failed, and again every RestartAfter while it stays down: the
	// offerer restarts ICE, the answerer asks the offerer to.
	OnRestart func()
	// OnUnreachable runs once when no connection came up within
	// Unreachable of the start (Connecting) or of the outage.
	OnUnreachable func()
	// OnRecovered runs when the path is connected again after an outage
	// (or connected at last after OnUnreachable), with whether the outage
	// was only a blip.
	OnRecovered func(blip bool)
}

// PathWatch applies the rule for a broken media path that both peers
// share: a short interruption (a blip, connected again within Blip)
// changes nothing; a longer one, a failure or an ICE restart drops control
// (OnDrop); a path down for RestartAfter is restarted (OnRestart), again
// and again while it stays down; one that stays down for Unreachable is
// reported (OnUnreachable). It is fed the connection states on the loop
// goroutine, and all its fields belong to that goroutine.
type PathWatch struct {
	cfg                        PathWatchConfig
	blip, restart, unreachable *Timer

	up      bool // connected
	been    bool // was connected at least once
	down    bool // an outage (or the first connect) is in progress
	dropped bool // OnDrop ran for this outage
	told    bool // OnUnreachable ran for this outage
}

// NewPathWatch returns a watch that does nothing until Update.
func NewPathWatch(cfg PathWatchConfig) *PathWatch {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Blip, DefaultBlip)
	def(&cfg.RestartAfter, DefaultRestartAfter)
	def(&cfg.Unreachable, DefaultUnreachable)
	w := &PathWatch{cfg: cfg}
	w.blip = cfg.Loop.NewTimer(w.drop)
	w.restart = cfg.Loop.NewTimer(func() {
		w.drop()
		w.restart.Reset(cfg.RestartAfter)
		call(cfg.OnRestart)
	})
	w.unreachable = cfg.Loop.NewTimer(func() {
		if !w.told {
			w.told = true
			call(cfg.OnUnreachable)
		}
	})
	return w
}

func call(fn func()) {
	if fn != nil {
		fn()
	}
}

func (w *PathWatch) drop() {
	if !w.dropped {
		w.dropped = true
		call(w.cfg.OnDrop)
	}
}

// Update feeds one connection state. Loop goroutine only.
func (w *PathWatch) Update(st State) {
	switch st {
	case StateConnected:
		if w.up {
			return
		}
		// A first connect counts as a recovery only after OnUnreachable,
		// so the owner can take its explanation back.
		recovered := w.down && (w.been || w.told)
		blip := !w.dropped
		w.up, w.been, w.down, w.dropped, w.told = true, true, false, false, false
		w.blip.Stop()
		w.restart.Stop()
		w.unreachable.Stop()
		if recovered && w.cfg.OnRecovered != nil {
			w.cfg.OnRecovered(blip)
		}
	case StateConnecting:
		if !w.up && !w.down {
			// The first connect: only the unreachable deadline applies.
			w.down = true
			w.dropped = true // nothing to drop yet
			w.unreachable.Reset(w.cfg.Unreachable)
		}
	case StateDisconnected:
		w.outage()
	case StateFailed:
		w.outage()
		w.restart.Stop()
		w.drop()
		w.restart.Reset(w.cfg.RestartAfter)
		call(w.cfg.OnRestart)
	case StateClosed:
		w.Stop()
	}
}

// outage starts the deadlines of an outage unless one is running.
func (w *PathWatch) outage() {
	if w.down {
		return
	}
	w.up, w.down = false, true
	w.blip.Reset(w.cfg.Blip)
	w.restart.Reset(w.cfg.RestartAfter)
	w.unreachable.Reset(w.cfg.Unreachable)
}

// Restarted records an ICE restart made for another reason (the other
// side asked, the network changed): it drops control like a long outage,
// and the path counts as down until it is connected again.
func (w *PathWatch) Restarted() {
	if !w.down {
		w.up = false
		w.down = true
		w.unreachable.Reset(w.cfg.Unreachable)
	}
	w.blip.Stop()
	w.drop()
	w.restart.Reset(w.cfg.RestartAfter)
}

// Down reports whether the path is not connected. Loop goroutine only.
func (w *PathWatch) Down() bool { return !w.up }

// Stop withdraws every deadline.
func (w *PathWatch) Stop() {
	w.blip.Stop()
	w.restart.Stop()
	w.unreachable.Stop()
}
