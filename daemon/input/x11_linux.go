package input

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/quickhelp/quickhelp/daemon/x11"
)

// X11Config configures an X11 injector.
type X11Config struct {
	// Display is the X display, like ":0"; empty means $DISPLAY.
	Display string
	// Logger is optional; nil discards.
	Logger *slog.Logger
}

// X11 injects input into an X server through the XTEST extension.
type X11 struct {
	logger     *slog.Logger
	conn       *xgb.Conn
	root       xproto.Window
	minKeycode xproto.Keycode
	maxKeycode xproto.Keycode
	closed     atomic.Bool
	wg         sync.WaitGroup // the event drainer

	// mu guards the text-typing state below and serialises requests.
	mu    sync.Mutex
	slots []textSlot // spare keycodes bound to keysyms for Text, least recently used first
}

// NewX11 connects to the X server and checks that XTEST is available.
func NewX11(cfg X11Config) (*X11, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	conn, err := x11.Dial(cfg.Display)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInject, err)
	}
	if err := x11.Enable(conn, x11.XTest); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	setup := xproto.Setup(conn)
	x := &X11{
		logger:     logger.With("component", "input-x11"),
		conn:       conn,
		root:       setup.DefaultScreen(conn).Root,
		minKeycode: setup.MinKeycode,
		maxKeycode: setup.MaxKeycode,
	}
	// The server sends MappingNotify to every client whenever the keyboard
	// mapping changes (Text does that). xgb queues events for the reader;
	// an unread queue would fill and stall every reply, so drain it.
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		for {
			ev, err := conn.WaitForEvent()
			if ev == nil && err == nil {
				return // connection closed
			}
		}
	}()
	return x, nil
}

// fake sends one XTEST event and waits for the server to accept it, so
// errors come back here instead of into the event queue.
func (x *X11) fake(typ byte, detail byte, rx, ry int16) error {
	if x.closed.Load() {
		return ErrClosed
	}
	if err := xtest.FakeInputChecked(x.conn, typ, detail, 0, x.root, rx, ry, 0).Check(); err != nil {
		return fmt.Errorf("%w: %w", ErrInject, err)
	}
	return nil
}

// MoveAbs moves the pointer to (x, y) on the root window.
func (x *X11) MoveAbs(px, py int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.fake(xproto.MotionNotify, 0, clamp16(px), clamp16(py))
}

// Button presses or releases an X pointer button.
func (x *X11) Button(b int, down bool) error {
	if b < 1 || b > 255 {
		return fmt.Errorf("%w: button %d", ErrUnsupported, b)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	typ := byte(xproto.ButtonRelease)
	if down {
		typ = xproto.ButtonPress
	}
	return x.fake(typ, byte(b), 0, 0)
}

// Wheel scrolls with the X wheel buttons: 4 up, 5 down, 6 left, 7 right.
func (x *X11) Wheel(dx, dy int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	click := func(b byte, n int) error {
		for range n {
			if err := x.fake(xproto.ButtonPress, b, 0, 0); err != nil {
				return err
			}
			if err := x.fake(xproto.ButtonRelease, b, 0, 0); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	switch {
	case dy > 0:
		err = click(5, dy)
	case dy < 0:
		err = click(4, -dy)
	}
	if err != nil {
		return err
	}
	switch {
	case dx > 0:
		err = click(7, dx)
	case dx < 0:
		err = click(6, -dx)
	}
	return err
}

// Key presses or releases an X keycode.
func (x *X11) Key(code KeyCode, down bool) error {
	if code < KeyCode(x.minKeycode) || code > KeyCode(x.maxKeycode) {
		return fmt.Errorf("%w: keycode %d", ErrUnsupported, code)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	typ := byte(xproto.KeyRelease)
	if down {
		typ = xproto.KeyPress
	}
	return x.fake(typ, byte(code), 0, 0)
}

// Close restores the keyboard mapping changed by Text and disconnects.
func (x *X11) Close() error {
	x.mu.Lock()
	if x.closed.Load() {
		x.mu.Unlock()
		return nil
	}
	err := x.restoreSlotsLocked()
	x.closed.Store(true)
	x.mu.Unlock()
	x.conn.Close()
	x.wg.Wait()
	return err
}

func clamp16(v int) int16 {
	return int16(min(max(v, -32768), 32767))
}
