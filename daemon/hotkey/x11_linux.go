package hotkey

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
)

// grabber holds passive key grabs on the root window of one X connection of
// its own, so its events never mix with the capture or input connections.
type grabber struct {
	log     *slog.Logger
	onPress func()
	conn    *xgb.Conn
	root    xproto.Window

	// mu guards the fields below: Close ungrabs while the wait loop may be
	// re-grabbing after a keyboard mapping change.
	mu      sync.Mutex
	closed  bool
	keys    []xproto.Keycode // the keys that type S, as grabbed
	numLock uint16           // Num Lock's modifier mask, as grabbed
	grabs   []grab
}

type grab struct {
	key  xproto.Keycode
	mods uint16
}

func register(cfg Config) (*Hotkey, error) {
	conn, err := x11.Dial(cfg.Display)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDisplay, err)
	}
	x := &grabber{log: cfg.Logger, onPress: cfg.OnPress, conn: conn,
		root: xproto.Setup(conn).DefaultScreen(conn).Root}
	if err := x.grabAll(); err != nil {
		conn.Close()
		return nil, err
	}
	h := &Hotkey{stop: x.close, done: make(chan struct{})}
	go x.loop(h.done) // owned by h: Close waits on done
	return h, nil
}

// grabAll looks up where S and Num Lock are and grabs every combination.
// The caller holds mu, or no other goroutine runs yet.
func (x *grabber) grabAll() error {
	keys, numLock, err := x.lookup()
	if err != nil {
		return err
	}
	var want []grab
	for _, k := range keys {
		for _, m := range modCombos(numLock) {
			want = append(want, grab{k, m})
		}
	}
	// Send every request before waiting for any answer: one round trip.
	cookies := make([]xproto.GrabKeyCookie, len(want))
	for i, g := range want {
		cookies[i] = xproto.GrabKeyChecked(x.conn, false, x.root, g.mods, g.key,
			xproto.GrabModeAsync, xproto.GrabModeAsync)
	}
	var firstErr error
	var held []grab
	for i, c := range cookies {
		if err := c.Check(); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		held = append(held, want[i])
	}
	if firstErr != nil {
		// Half a shortcut (say, only with Caps Lock off) would confuse the
		// user more than none, and the other program keeps its own.
		x.ungrab(held)
		var access xproto.AccessError
		if errors.As(firstErr, &access) {
			return ErrTaken
		}
		return fmt.Errorf("hotkey: grab key: %w", firstErr)
	}
	x.keys, x.numLock, x.grabs = keys, numLock, held
	x.log.Debug("shortcut grabbed", "keys", len(keys), "grabs", len(held), "numlock_mask", numLock)
	return nil
}

// lookup returns the keycodes that type S and the modifier mask Num Lock
// is on (0 if the keyboard has none).
func (x *grabber) lookup() ([]xproto.Keycode, uint16, error) {
	setup := xproto.Setup(x.conn)
	first, count := setup.MinKeycode, int(setup.MaxKeycode)-int(setup.MinKeycode)+1
	km, err := xproto.GetKeyboardMapping(x.conn, first, byte(count)).Reply()
	if err != nil {
		return nil, 0, fmt.Errorf("hotkey: keyboard mapping: %w", err)
	}
	keys := keycodesFor(first, km.KeysymsPerKeycode, km.Keysyms, keysymLowerS, keysymUpperS)
	if len(keys) == 0 {
		return nil, 0, ErrNoKey
	}
	mm, err := xproto.GetModifierMapping(x.conn).Reply()
	if err != nil {
		return nil, 0, fmt.Errorf("hotkey: modifier mapping: %w", err)
	}
	numKeys := keycodesFor(first, km.KeysymsPerKeycode, km.Keysyms, keysymNumLock)
	return keys, modifierFor(mm.KeycodesPerModifier, mm.Keycodes, numKeys), nil
}

// ungrab releases grabs and waits until the server has done so, so a
// program that grabs right after Close succeeds.
func (x *grabber) ungrab(gs []grab) {
	cookies := make([]xproto.UngrabKeyCookie, len(gs))
	for i, g := range gs {
		cookies[i] = xproto.UngrabKeyChecked(x.conn, g.key, x.root, g.mods)
	}
	for _, c := range cookies {
		_ = c.Check() // nothing to do: closing the connection releases it anyway
	}
}

// regrab follows a keyboard mapping change, which may move S or Num Lock.
func (x *grabber) regrab() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return
	}
	// A keyboard switching its source device (XTest, a second keyboard)
	// also sends MappingNotify with an unchanged map: keep the grabs then,
	// so no press falls between an ungrab and a grab.
	keys, numLock, err := x.lookup()
	if err == nil && slices.Equal(keys, x.keys) && numLock == x.numLock {
		return
	}
	x.ungrab(x.grabs)
	x.keys, x.grabs = nil, nil
	if err := x.grabAll(); err != nil {
		x.log.Warn("shortcut lost after a keyboard mapping change", "err", err)
	}
}

func (x *grabber) close() {
	x.mu.Lock()
	x.closed = true
	x.ungrab(x.grabs)
	x.grabs = nil
	x.mu.Unlock()
	// Closing ends the event stream, which ends the loop.
	x.conn.Close()
}

// isShortcut reports whether a key press is S with the shortcut's
// modifiers. Only grabbed combinations reach this client, but while a grab
// is active every key goes to it, so other keys must be told apart.
func (x *grabber) isShortcut(key xproto.Keycode, state uint16) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return state&baseMods == baseMods && contains(x.keys, key)
}

func (x *grabber) loop(done chan<- struct{}) {
	defer close(done)
	var repeats repeatFilter
	for {
		ev, err := x.conn.WaitForEvent()
		if ev == nil && err == nil {
			x.mu.Lock()
			closed := x.closed
			x.mu.Unlock()
			if !closed {
				x.log.Info("display connection lost; the shortcut no longer works")
			}
			return
		}
		if err != nil {
			x.log.Debug("X error", "err", err)
			continue
		}
		switch e := ev.(type) {
		case xproto.KeyReleaseEvent:
			repeats.release(e.Detail, e.Time)
		case xproto.KeyPressEvent:
			if repeats.press(e.Detail, e.Time) && x.isShortcut(e.Detail, e.State) {
				x.log.Info("stop shortcut pressed")
				x.onPress()
			}
		case xproto.MappingNotifyEvent:
			if e.Request == xproto.MappingKeyboard || e.Request == xproto.MappingModifier {
				x.regrab()
			}
		}
	}
}
