package consent

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// op is one transition method, by name, for table tests.
type op struct {
	name string
	fn   func(*Gate) error
}

var (
	opAllowScreen    = op{"AllowScreen", (*Gate).AllowScreen}
	opDenyScreen     = op{"DenyScreen", (*Gate).DenyScreen}
	opRequestControl = op{"RequestControl", (*Gate).RequestControl}
	opAllowControl   = op{"AllowControl", (*Gate).AllowControl}
	opDenyControl    = op{"DenyControl", (*Gate).DenyControl}
	opRevokeControl  = op{"RevokeControl", (*Gate).RevokeControl}
	opPause          = op{"Pause", (*Gate).Pause}
	opResume         = op{"Resume", (*Gate).Resume}
	opReconnected    = op{"Reconnected", (*Gate).Reconnected}
	opEnd            = op{"End", (*Gate).End}
	opSecure         = op{"SecureDesktop", func(g *Gate) error { return g.SecureDesktop(true) }}
	opDesktopBack    = op{"DesktopBack", func(g *Gate) error { return g.SecureDesktop(false) }}
)

var allOps = []op{opAllowScreen, opDenyScreen, opRequestControl, opAllowControl, opDenyControl,
	opRevokeControl, opPause, opResume, opReconnected, opEnd, opSecure, opDesktopBack}

// Named starting points, each reached through legal transitions only.
var setups = map[string][]op{
	"new":              nil,
	"denied":           {opDenyScreen},
	"viewing":          {opAllowScreen},
	"requested":        {opAllowScreen, opRequestControl},
	"controlling":      {opAllowScreen, opRequestControl, opAllowControl},
	"paused":           {opAllowScreen, opPause},
	"paused-requested": {opAllowScreen, opRequestControl, opPause},
	"paused-control":   {opAllowScreen, opRequestControl, opAllowControl, opPause},
	"ended":            {opAllowScreen, opEnd},
	"ended-control":    {opAllowScreen, opRequestControl, opAllowControl, opEnd},
	"secure-control":   {opAllowScreen, opRequestControl, opAllowControl, opSecure},
	"secure-paused":    {opAllowScreen, opRequestControl, opAllowControl, opSecure, opPause},
}

func newGate(t *testing.T, setup string) *Gate {
	t.Helper()
	g, err := New(Config{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	steps, ok := setups[setup]
	if !ok {
		t.Fatalf("unknown setup %q", setup)
	}
	for _, o := range steps {
		if err := o.fn(g); err != nil {
			t.Fatalf("setup %q: %s: %v", setup, o.name, err)
		}
	}
	return g
}

var (
	sNew        = State{}
	sViewing    = State{Screen: ScreenGranted}
	sRequested  = State{Screen: ScreenGranted, Control: ControlRequested}
	sControl    = State{Screen: ScreenGranted, Control: ControlGranted}
	sPaused     = State{Screen: ScreenGranted, Paused: true}
	sPausedReq  = State{Screen: ScreenGranted, Control: ControlRequested, Paused: true}
	sPausedCtl  = State{Screen: ScreenGranted, Control: ControlGranted, Paused: true}
	sDenied     = State{Screen: ScreenDenied}
	sEnded      = State{Screen: ScreenGranted, Ended: true}
	sSecureCtl  = State{Screen: ScreenGranted, Control: ControlGranted, Secure: true}
	sSecurePCtl = State{Screen: ScreenGranted, Control: ControlGranted, Secure: true, Paused: true}
	errInvalid  = ErrInvalidTransition
	errEnded    = ErrEnded
	errNone     error
	transitions = []struct {
		setup string
		op    op
		err   error // nil, ErrInvalidTransition or ErrEnded
		want  State // state afterwards (unchanged on error)
	}{
		// From a new session.
		{"new", opAllowScreen, errNone, sViewing},
		{"new", opDenyScreen, errNone, sDenied},
		{"new", opRequestControl, errInvalid, sNew},
		{"new", opAllowControl, errInvalid, sNew},
		{"new", opDenyControl, errInvalid, sNew},
		{"new", opRevokeControl, errInvalid, sNew},
		{"new", opPause, errInvalid, sNew},
		{"new", opResume, errInvalid, sNew},
		{"new", opReconnected, errNone, sNew},
		{"new", opEnd, errNone, State{Ended: true}},
		// Screen denied: nothing more but end and reconnect.
		{"denied", opAllowScreen, errInvalid, sDenied},
		{"denied", opDenyScreen, errInvalid, sDenied},
		{"denied", opRequestControl, errInvalid, sDenied},
		{"denied", opAllowControl, errInvalid, sDenied},
		{"denied", opPause, errInvalid, sDenied},
		{"denied", opReconnected, errNone, sDenied},
		{"denied", opEnd, errNone, State{Screen: ScreenDenied, Ended: true}},
		// Viewing.
		{"viewing", opAllowScreen, errInvalid, sViewing},
		{"viewing", opDenyScreen, errInvalid, sViewing},
		{"viewing", opRequestControl, errNone, sRequested},
		{"viewing", opAllowControl, errInvalid, sViewing},
		{"viewing", opDenyControl, errInvalid, sViewing},
		{"viewing", opRevokeControl, errInvalid, sViewing},
		{"viewing", opPause, errNone, sPaused},
		{"viewing", opResume, errInvalid, sViewing},
		{"viewing", opReconnected, errNone, sViewing},
		{"viewing", opEnd, errNone, sEnded},
		// Control requested.
		{"requested", opRequestControl, errInvalid, sRequested},
		{"requested", opAllowControl, errNone, sControl},
		{"requested", opDenyControl, errNone, sViewing},
		{"requested", opRevokeControl, errInvalid, sRequested},
		{"requested", opPause, errNone, sPausedReq},
		{"requested", opReconnected, errNone, sViewing},
		{"requested", opEnd, errNone, sEnded},
		// Controlling.
		{"controlling", opAllowScreen, errInvalid, sControl},
		{"controlling", opRequestControl, errInvalid, sControl},
		{"controlling", opAllowControl, errInvalid, sControl},
		{"controlling", opDenyControl, errInvalid, sControl},
		{"controlling", opRevokeControl, errNone, sViewing},
		{"controlling", opPause, errNone, sPausedCtl},
		{"controlling", opResume, errInvalid, sControl},
		{"controlling", opReconnected, errNone, sViewing},
		{"controlling", opEnd, errNone, sEnded},
		// Paused.
		{"paused", opPause, errInvalid, sPaused},
		{"paused", opResume, errNone, sViewing},
		{"paused", opRequestControl, errNone, sPausedReq},
		{"paused", opAllowControl, errInvalid, sPaused},
		{"paused", opEnd, errNone, State{Screen: ScreenGranted, Paused: true, Ended: true}},
		{"paused-requested", opAllowControl, errNone, sPausedCtl},
		{"paused-control", opResume, errNone, sControl},
		{"paused-control", opRevokeControl, errNone, sPaused},
		{"paused-control", opReconnected, errNone, sPaused},
		// A secure desktop (a Windows prompt) holds sharing and control
		// without revoking it; it comes back by itself, but not past a
		// pause of the sharer's own.
		{"controlling", opSecure, errNone, sSecureCtl},
		{"controlling", opDesktopBack, errInvalid, sControl},
		{"new", opSecure, errNone, State{Secure: true}},
		{"secure-control", opSecure, errInvalid, sSecureCtl},
		{"secure-control", opDesktopBack, errNone, sControl},
		{"secure-control", opPause, errNone, sSecurePCtl},
		{"secure-control", opRevokeControl, errNone, State{Screen: ScreenGranted, Secure: true}},
		{"secure-paused", opDesktopBack, errNone, sPausedCtl},
		{"secure-paused", opResume, errNone, sSecureCtl},
	}
)

func TestTransitions(t *testing.T) {
	for _, tt := range transitions {
		t.Run(tt.setup+"/"+tt.op.name, func(t *testing.T) {
			g := newGate(t, tt.setup)
			var got []Change
			g.Subscribe(func(c Change) { got = append(got, c) })
			before := g.State()
			err := tt.op.fn(g)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("%s from %q = %v, want %v", tt.op.name, tt.setup, err, tt.err)
			}
			if s := g.State(); s != tt.want {
				t.Fatalf("%s from %q: state %+v, want %+v", tt.op.name, tt.setup, s, tt.want)
			}
			switch {
			case err != nil && len(got) != 0:
				t.Fatalf("%s from %q failed but notified %d changes", tt.op.name, tt.setup, len(got))
			case err == nil && len(got) != 1:
				t.Fatalf("%s from %q: %d notifications, want 1", tt.op.name, tt.setup, len(got))
			case err == nil && (got[0].From != before || got[0].To != tt.want):
				t.Fatalf("%s from %q: change %+v, want %+v -> %+v", tt.op.name, tt.setup, got[0], before, tt.want)
			}
		})
	}
}

// After End every transition fails with ErrEnded and nothing may be sent or
// injected.
func TestEndedIsFinal(t *testing.T) {
	for _, setup := range []string{"ended", "ended-control"} {
		for _, o := range allOps {
			t.Run(setup+"/"+o.name, func(t *testing.T) {
				g := newGate(t, setup)
				notified := false
				g.Subscribe(func(Change) { notified = true })
				if err := o.fn(g); !errors.Is(err, errEnded) {
					t.Fatalf("%s after end = %v, want %v", o.name, err, ErrEnded)
				}
				if g.MaySend() || g.MayInject() || notified {
					t.Fatalf("%s after end: MaySend %v MayInject %v notified %v, want all false",
						o.name, g.MaySend(), g.MayInject(), notified)
				}
			})
		}
	}
}

func TestQueries(t *testing.T) {
	tests := []struct {
		setup              string
		maySend, mayInject bool
	}{
		{"new", false, false},
		{"denied", false, false},
		{"viewing", true, false},
		{"requested", true, false},
		{"controlling", true, true},
		{"paused", false, false},
		{"paused-requested", false, false},
		{"paused-control", false, false},
		{"ended", false, false},
		{"ended-control", false, false},
		{"secure-control", false, false},
		{"secure-paused", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.setup, func(t *testing.T) {
			g := newGate(t, tt.setup)
			if got := g.MaySend(); got != tt.maySend {
				t.Errorf("MaySend() in %q = %v, want %v", tt.setup, got, tt.maySend)
			}
			if got := g.MayInject(); got != tt.mayInject {
				t.Errorf("MayInject() in %q = %v, want %v", tt.setup, got, tt.mayInject)
			}
		})
	}
}

// Every state reachable by any sequence of up to 5 operations keeps the
// safety invariants: injection implies a granted screen and granted
// control; nothing is allowed after end.
func TestInvariantsExhaustive(t *testing.T) {
	var walk func(path []op)
	count := 0
	walk = func(path []op) {
		g, _ := New(Config{})
		for _, o := range path {
			_ = o.fn(g)
		}
		s := g.State()
		count++
		if s.MayInject() && (s.Screen != ScreenGranted || s.Control != ControlGranted || s.Paused || s.Secure || s.Ended) {
			t.Fatalf("path %v: MayInject in %+v", names(path), s)
		}
		if s.Control != ControlNone && s.Screen != ScreenGranted {
			t.Fatalf("path %v: control %v without screen in %+v", names(path), s.Control, s)
		}
		if s.Ended && s.Control != ControlNone {
			t.Fatalf("path %v: ended with control %v", names(path), s.Control)
		}
		if len(path) == 5 {
			return
		}
		for _, o := range allOps {
			walk(append(append([]op(nil), path...), o))
		}
	}
	walk(nil)
	want, level := 0, 1
	for range 6 {
		want += level
		level *= len(allOps)
	}
	if count != want {
		t.Fatalf("visited %d paths, want %d", count, want)
	}
}

// Control can only be granted by AllowControl after a request: no other
// method ever moves control to granted.
func TestOnlyAllowControlGrants(t *testing.T) {
	for setup := range setups {
		for _, o := range allOps {
			if o.name == "AllowControl" {
				continue
			}
			g := newGate(t, setup)
			before := g.State().Control
			_ = o.fn(g)
			if after := g.State().Control; after == ControlGranted && before != ControlGranted {
				t.Errorf("%s from %q granted control", o.name, setup)
			}
		}
	}
}

func TestSubscribeOrderAndCancel(t *testing.T) {
	g := newGate(t, "new")
	var order []string
	c1 := g.Subscribe(func(c Change) { order = append(order, "a:"+string(c.Cause)) })
	g.Subscribe(func(c Change) {
		// Queries from a subscriber see the new state.
		order = append(order, "b:"+string(c.Cause))
		if g.State() != c.To {
			t.Errorf("State() in subscriber = %+v, want %+v", g.State(), c.To)
		}
	})
	if err := g.AllowScreen(); err != nil {
		t.Fatal(err)
	}
	c1()
	c1() // idempotent
	if err := g.Pause(); err != nil {
		t.Fatal(err)
	}
	want := []string{"a:allow-screen", "b:allow-screen", "b:pause"}
	if len(order) != len(want) {
		t.Fatalf("notifications %q, want %q", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("notifications %q, want %q", order, want)
		}
	}
}

// Reconnected always notifies, even when already view-only, so input can
// release held keys after any reconnect.
func TestReconnectedAlwaysNotifies(t *testing.T) {
	g := newGate(t, "viewing")
	n := 0
	g.Subscribe(func(c Change) {
		if c.Cause == CauseReconnected {
			n++
		}
	})
	for range 3 {
		if err := g.Reconnected(); err != nil {
			t.Fatal(err)
		}
	}
	if n != 3 {
		t.Fatalf("reconnect notifications = %d, want 3", n)
	}
}

// Concurrent transitions and queries: run with -race. Subscribers must see
// a consistent sequence: each change starts where the previous one ended.
func TestConcurrentUse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	g := newGate(t, "viewing")
	var mu sync.Mutex
	var last State = g.State()
	broken := 0
	n := 0
	g.Subscribe(func(c Change) {
		mu.Lock()
		defer mu.Unlock()
		if c.From != last {
			broken++
		}
		last = c.To
		n++
	})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ops := []op{opRequestControl, opAllowControl, opRevokeControl, opPause, opResume, opReconnected, opDenyControl}
			for i := range 2000 {
				if ctx.Err() != nil {
					return
				}
				_ = ops[(i+w)%len(ops)].fn(g)
				_ = g.State()
				_ = g.MaySend()
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("concurrent test timed out")
	}
	if err := g.End(); err != nil {
		t.Fatalf("End = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if broken != 0 {
		t.Fatalf("%d of %d changes did not start where the previous one ended", broken, n)
	}
	if !last.Ended || g.MayInject() {
		t.Fatalf("after End: last %+v, MayInject %v", last, g.MayInject())
	}
}

func names(ops []op) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.name
	}
	return out
}
