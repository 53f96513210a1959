// Package consent holds the sharer's consent state — screen sharing,
// remote control, pause, end — and is the only place that decides whether
// the helper's input may be injected.
package consent

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
)

// Screen is the local user's answer to the screen-sharing request.
type Screen int

// Screen states.
const (
	ScreenPending Screen = iota // not answered yet: nothing is captured
	ScreenGranted               // the user allowed sharing
	ScreenDenied                // the user refused: nothing will be captured
)

func (s Screen) String() string {
	switch s {
	case ScreenPending:
		return "pending"
	case ScreenGranted:
		return "granted"
	case ScreenDenied:
		return "denied"
	}
	return fmt.Sprintf("Screen(%d)", int(s))
}

// Control is the state of the helper's remote-control request.
type Control int

// Control states.
const (
	ControlNone      Control = iota // view only
	ControlRequested                // the helper asked; the local user has not answered
	ControlGranted                  // the local user allowed control
)

func (c Control) String() string {
	switch c {
	case ControlNone:
		return "none"
	case ControlRequested:
		return "requested"
	case ControlGranted:
		return "granted"
	}
	return fmt.Sprintf("Control(%d)", int(c))
}

// Cause names the method that produced a Change.
type Cause string

// Causes of changes, one per transition method.
const (
	CauseAllowScreen    Cause = "allow-screen"
	CauseDenyScreen     Cause = "deny-screen"
	CauseRequestControl Cause = "request-control"
	CauseAllowControl   Cause = "allow-control"
	CauseDenyControl    Cause = "deny-control"
	CauseRevokeControl  Cause = "revoke-control"
	CausePause          Cause = "pause"
	CauseResume         Cause = "resume"
	CauseReconnected    Cause = "reconnected"
	CauseSecureDesktop  Cause = "secure-desktop"
	CauseDesktopBack    Cause = "desktop-back"
	CauseEnd            Cause = "end"
)

// State is one snapshot of the consent state. The zero value is the state
// of a new session: nothing answered, view only.
type State struct {
	Screen  Screen
	Control Control
	Paused  bool
	// Secure: the input desktop is not the sharer's own (a Windows UAC
	// prompt, Ctrl+Alt+Del, the lock screen). Like a pause, nothing is
	// sent or injected; unlike one, the system sets and clears it.
	Secure bool
	Ended  bool
}

// MaySend reports whether the screen may be captured and sent.
func (s State) MaySend() bool {
	return s.Screen == ScreenGranted && !s.Paused && !s.Secure && !s.Ended
}

// MayInject reports whether the helper's input may be injected.
func (s State) MayInject() bool {
	return s.MaySend() && s.Control == ControlGranted
}

// Change is delivered to subscribers after every accepted transition.
type Change struct {
	From, To State
	Cause    Cause
}

// Config configures a Gate.
type Config struct {
	// Logger is optional; nil discards. Only state names are logged.
	Logger *slog.Logger
}

// Gate is the concurrency-safe consent state machine of one session.
//
// Subscribers are called synchronously, in the order transitions happened,
// on the goroutine that made the transition, after the new state is
// visible to MaySend and MayInject. So when RevokeControl (or Pause, End,
// Reconnected) returns, every subscriber — such as the input handler that
// releases held keys — has already run. The cost is that a slow subscriber
// delays the caller of the transition and every later transition; a
// subscriber must be quick and must not call a transition method of the
// same Gate (that would deadlock). Queries (State, MaySend, MayInject) are
// safe to call from a subscriber.
type Gate struct {
	logger *slog.Logger

	// notifyMu serialises delivery so subscribers see changes in order. It is
	// taken while mu is held and kept after mu is released: lock order is
	// mu, then notifyMu.
	notifyMu sync.Mutex

	// mu guards the fields below.
	mu     sync.Mutex
	state  State
	subs   map[uint64]func(Change)
	nextID uint64
}

// New returns a Gate in the initial state: screen pending, view only.
func New(cfg Config) (*Gate, error) {
	l := cfg.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &Gate{logger: l.With("component", "consent"), subs: make(map[uint64]func(Change))}, nil
}

// Subscribe registers fn for every later change and returns a function that
// removes it. fn is never called after cancel has returned, unless a
// delivery was already in progress on another goroutine.
func (g *Gate) Subscribe(fn func(Change)) (cancel func()) {
	g.mu.Lock()
	id := g.nextID
	g.nextID++
	g.subs[id] = fn
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			delete(g.subs, id)
			g.mu.Unlock()
		})
	}
}

// State returns the current state.
func (g *Gate) State() State {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.state
}

// MaySend reports whether the screen may be captured and sent now.
func (g *Gate) MaySend() bool { return g.State().MaySend() }

// MayInject reports whether the helper's input may be injected now.
func (g *Gate) MayInject() bool { return g.State().MayInject() }

// AllowScreen records that the local user allowed screen sharing.
func (g *Gate) AllowScreen() error {
	return g.transition(CauseAllowScreen, func(s *State) error {
		if s.Screen != ScreenPending {
			return fmt.Errorf("%w: allow screen while screen is %v", ErrInvalidTransition, s.Screen)
		}
		s.Screen = ScreenGranted
		return nil
	})
}

// DenyScreen records that the local user refused screen sharing.
func (g *Gate) DenyScreen() error {
	return g.transition(CauseDenyScreen, func(s *State) error {
		if s.Screen != ScreenPending {
			return fmt.Errorf("%w: deny screen while screen is %v", ErrInvalidTransition, s.Screen)
		}
		s.Screen = ScreenDenied
		return nil
	})
}

// RequestControl records the helper's request for control. It is the only
// thing the remote side can do about control: it never grants it.
func (g *Gate) RequestControl() error {
	return g.transition(CauseRequestControl, func(s *State) error {
		if s.Screen != ScreenGranted || s.Control != ControlNone {
			return fmt.Errorf("%w: request control while screen is %v and control is %v",
				ErrInvalidTransition, s.Screen, s.Control)
		}
		s.Control = ControlRequested
		return nil
	})
}

// AllowControl records that the local user allowed the pending request.
// It is valid only while control is requested and the screen is granted.
// Allowing while paused is accepted; input still waits for Resume.
func (g *Gate) AllowControl() error {
	return g.transition(CauseAllowControl, func(s *State) error {
		if s.Screen != ScreenGranted || s.Control != ControlRequested {
			return fmt.Errorf("%w: allow control while screen is %v and control is %v",
				ErrInvalidTransition, s.Screen, s.Control)
		}
		s.Control = ControlGranted
		return nil
	})
}

// DenyControl records that the local user refused the pending request.
func (g *Gate) DenyControl() error {
	return g.transition(CauseDenyControl, func(s *State) error {
		if s.Control != ControlRequested {
			return fmt.Errorf("%w: deny control while control is %v", ErrInvalidTransition, s.Control)
		}
		s.Control = ControlNone
		return nil
	})
}

// RevokeControl takes granted control back; the session stays view-only.
func (g *Gate) RevokeControl() error {
	return g.transition(CauseRevokeControl, func(s *State) error {
		if s.Control != ControlGranted {
			return fmt.Errorf("%w: revoke control while control is %v", ErrInvalidTransition, s.Control)
		}
		s.Control = ControlNone
		return nil
	})
}

// Pause stops sending the screen and injecting input until Resume.
func (g *Gate) Pause() error {
	return g.transition(CausePause, func(s *State) error {
		if s.Screen != ScreenGranted || s.Paused {
			return fmt.Errorf("%w: pause while screen is %v, paused %v", ErrInvalidTransition, s.Screen, s.Paused)
		}
		s.Paused = true
		return nil
	})
}

// Resume undoes Pause. Control, if it was granted, applies again.
func (g *Gate) Resume() error {
	return g.transition(CauseResume, func(s *State) error {
		if !s.Paused {
			return fmt.Errorf("%w: resume while not paused", ErrInvalidTransition)
		}
		s.Paused = false
		return nil
	})
}

// SecureDesktop records that the input desktop became a secure one (on)
// or the sharer's own again (off). Control is kept: it applies again by
// itself when the desktop is back, since the sharer answered the prompt
// and did not take control back.
func (g *Gate) SecureDesktop(on bool) error {
	cause := CauseDesktopBack
	if on {
		cause = CauseSecureDesktop
	}
	return g.transition(cause, func(s *State) error {
		if s.Secure == on {
			return fmt.Errorf("%w: secure desktop is already %v", ErrInvalidTransition, on)
		}
		s.Secure = on
		return nil
	})
}

// Reconnected records a reconnect or ICE restart: the session drops back
// to view-only, whatever control was, and subscribers are always told
// (even if the state did not change) so they can drop per-connection state.
func (g *Gate) Reconnected() error {
	return g.transition(CauseReconnected, func(s *State) error {
		s.Control = ControlNone
		return nil
	})
}

// End ends the session for good: nothing is sent or injected afterwards.
func (g *Gate) End() error {
	return g.transition(CauseEnd, func(s *State) error {
		s.Ended = true
		s.Control = ControlNone
		return nil
	})
}

// transition applies apply to a copy of the state; on success it stores
// the copy and tells every subscriber.
func (g *Gate) transition(cause Cause, apply func(*State) error) error {
	g.mu.Lock()
	from := g.state
	if from.Ended {
		g.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrEnded, cause)
	}
	to := from
	if err := apply(&to); err != nil {
		g.mu.Unlock()
		g.logger.Debug("transition refused", "cause", cause)
		return err
	}
	g.state = to
	subs := make([]func(Change), 0, len(g.subs))
	// Registration order, so delivery order is deterministic.
	for _, id := range slices.Sorted(maps.Keys(g.subs)) {
		subs = append(subs, g.subs[id])
	}
	g.notifyMu.Lock()
	g.mu.Unlock()
	defer g.notifyMu.Unlock()

	g.logger.Info("consent changed", "cause", cause,
		"screen", to.Screen.String(), "control", to.Control.String(), "paused", to.Paused, "secure", to.Secure, "ended", to.Ended)
	c := Change{From: from, To: to, Cause: cause}
	for _, fn := range subs {
		fn(c)
	}
	return nil
}
