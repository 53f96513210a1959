package input

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/wire"
)

// Config configures a Handler.
type Config struct {
	// Rate and Burst bound the events accepted per second (token bucket);
	// zero means DefaultRate and DefaultBurst. Events over the limit are
	// dropped and counted, except releases of held keys and buttons, which
	// always pass so a flood can never leave a key stuck.
	Rate  float64
	Burst int
	// TextRate and TextBurst bound the characters of text events per second
	// (a token bucket of characters); zero means DefaultTextRate and
	// DefaultTextBurst. A text event with more characters than the bucket
	// holds is dropped whole before anything is typed.
	TextRate  float64
	TextBurst int
	// Logger is optional; nil discards. Event contents are never logged.
	Logger *slog.Logger
	// KeyCode maps KeyboardEvent.code to the injector's KeyCode; nil means
	// NativeKeyCode.
	KeyCode func(code string) (KeyCode, bool)
	// Now is the clock of the rate limiter; nil means time.Now.
	Now func() time.Time

	// Injector produces the input. Required. The Handler does not close it.
	Injector Injector
	// Gate is asked before every event. Required. If it also implements
	// Notifier (as *consent.Gate does), the Handler releases held input on
	// every change that closes the gate.
	Gate Gate
	// Monitor returns the geometry of the shared monitor in screen pixels.
	// Required; called once per positioned event, so it must be cheap.
	Monitor func() wire.Monitor
}

// Handler validates helper input events and injects them while the gate
// allows. It is safe for concurrent use: the pointer and input channels
// may deliver at the same time. Held keys are never released on a timer
// (a helper may hold Shift while clicking for a minute); they are released
// on every gate change that stops control, on release-all, and on Close.
type Handler struct {
	inj     Injector
	gate    Gate
	monitor func() wire.Monitor
	keyCode func(string) (KeyCode, bool)
	now     func() time.Time
	logger  *slog.Logger
	unsub   func()

	injected, dropped, rejected atomic.Uint64

	// mu serialises injection with ReleaseAll, so a release that follows a
	// gate change cannot be overtaken by an event that passed the gate
	// check just before the change. It guards the fields below.
	mu       sync.Mutex
	keys     []KeyCode // held keys, in press order
	buttons  []int     // held buttons (X numbering), in press order
	wheelX   float64   // fractional notches not yet sent
	wheelY   float64
	bucket   tokenBucket
	text     tokenBucket // characters of text events
	limiting bool        // rate limit hit and not yet logged as over
	failing  bool        // injector failing and already logged
	closed   bool
}

// New validates cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Injector == nil:
		return nil, fmt.Errorf("%w: Injector is required", ErrConfig)
	case cfg.Gate == nil:
		return nil, fmt.Errorf("%w: Gate is required", ErrConfig)
	case cfg.Monitor == nil:
		return nil, fmt.Errorf("%w: Monitor is required", ErrConfig)
	case cfg.Rate < 0 || cfg.Burst < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0),
		cfg.TextRate < 0 || cfg.TextBurst < 0 || math.IsNaN(cfg.TextRate) || math.IsInf(cfg.TextRate, 0):
		return nil, fmt.Errorf("%w: negative rate or burst", ErrConfig)
	}
	h := &Handler{
		inj: cfg.Injector, gate: cfg.Gate, monitor: cfg.Monitor,
		keyCode: cfg.KeyCode, now: cfg.Now, logger: cfg.Logger,
	}
	if h.keyCode == nil {
		h.keyCode = NativeKeyCode
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	h.logger = h.logger.With("component", "input")
	rate, burst := cfg.Rate, cfg.Burst
	if rate == 0 {
		rate = DefaultRate
	}
	if burst == 0 {
		burst = DefaultBurst
	}
	h.bucket = newTokenBucket(rate, burst, h.now())
	textRate, textBurst := cfg.TextRate, cfg.TextBurst
	if textRate == 0 {
		textRate = DefaultTextRate
	}
	if textBurst == 0 {
		textBurst = DefaultTextBurst
	}
	h.text = newTokenBucket(textRate, textBurst, h.now())
	if n, ok := cfg.Gate.(Notifier); ok {
		h.unsub = n.Subscribe(func(c consent.Change) {
			if !c.To.MayInject() {
				_ = h.ReleaseAll()
			}
		})
	}
	return h, nil
}

// Stats returns how many events were injected, dropped (gate closed, rate
// limited, nothing to release, injector failure) and rejected (malformed,
// out of range, unknown key, wrong channel).
func (h *Handler) Stats() (injected, dropped, rejected uint64) {
	return h.injected.Load(), h.dropped.Load(), h.rejected.Load()
}

// Close unsubscribes from the gate and releases everything still held.
// Later events are dropped.
func (h *Handler) Close() error {
	if h.unsub != nil {
		h.unsub()
	}
	err := h.ReleaseAll()
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	return err
}

// HandleMessage handles one data-channel message. It never panics on
// untrusted bytes and never logs their content.
func (h *Handler) HandleMessage(channel string, b []byte) {
	ev, err := wire.DecodeInput(b)
	if err != nil {
		h.reject()
		return
	}
	switch channel {
	case wire.ChannelInput:
	case wire.ChannelPointer:
		// The pointer channel is unordered: a key or button there could
		// overtake its own release, so only moves are accepted.
		if ev.T != wire.InputMove {
			h.reject()
			return
		}
	default:
		h.reject()
		return
	}
	// Keys are mapped before taking the lock: unknown codes are malformed
	// input, whatever the gate says.
	var kc KeyCode
	if ev.T == wire.InputKeyDown || ev.T == wire.InputKeyUp {
		var ok bool
		if kc, ok = h.keyCode(ev.Code); !ok {
			h.reject()
			return
		}
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || !h.gate.MayInject() {
		// Held input with a closed gate means a change was missed (a gate
		// without Notifier): release now rather than leave keys stuck.
		h.releaseAllLocked()
		h.dropped.Add(1)
		return
	}
	if ev.T == wire.InputReleaseAll {
		h.releaseAllLocked()
		h.injected.Add(1)
		return
	}
	if h.overLimit(ev, kc) {
		h.dropped.Add(1)
		return
	}
	h.limiting = false
	if err := h.dispatch(ev, kc); err != nil {
		h.dropped.Add(1)
		if !errors.Is(err, errNothingHeld) && !errors.Is(err, errTextCut) && !h.failing {
			h.failing = true
			h.logger.Warn("input injection failing", "err", err)
		}
		return
	}
	h.failing = false
	h.injected.Add(1)
}

// overLimit reports whether ev is over the event rate limit or, for text,
// the character budget; called with mu held. Releases of held input always
// pass. Text is counted before any of it is typed, and over the budget the
// whole event is dropped.
func (h *Handler) overLimit(ev wire.InputEvent, kc KeyCode) bool {
	over := ""
	switch {
	case !h.releases(ev, kc) && !h.bucket.allow(h.now()):
		over = "input flood: dropping events over the rate limit"
	case ev.T == wire.InputText && !h.text.allowN(h.now(), utf8.RuneCountInString(ev.Text)):
		over = "text flood: dropping text over the character limit"
	}
	if over == "" {
		return false
	}
	if !h.limiting {
		h.limiting = true
		h.logger.Warn(over)
	}
	return true
}

var (
	errNothingHeld = errors.New("input: release of something not held")
	errTextCut     = errors.New("input: text cut short: control ended")
)

func (h *Handler) reject() {
	h.rejected.Add(1)
	h.logger.Debug("rejected malformed input event")
}

// releases reports whether ev releases something held; such events bypass
// the rate limit.
func (h *Handler) releases(ev wire.InputEvent, kc KeyCode) bool {
	switch ev.T {
	case wire.InputKeyUp:
		return slices.Contains(h.keys, kc)
	case wire.InputButtonUp:
		return slices.Contains(h.buttons, xButton(ev.Button))
	}
	return false
}

// dispatch injects one validated event; h.mu is held.
func (h *Handler) dispatch(ev wire.InputEvent, kc KeyCode) error {
	switch ev.T {
	case wire.InputMove:
		return h.moveTo(ev.X, ev.Y)
	case wire.InputButtonDown, wire.InputButtonUp:
		b := xButton(ev.Button)
		down := ev.T == wire.InputButtonDown
		if !down && !slices.Contains(h.buttons, b) {
			return errNothingHeld
		}
		if err := h.moveTo(ev.X, ev.Y); err != nil {
			return err
		}
		if err := h.inj.Button(b, down); err != nil {
			return err
		}
		h.buttons = slices.DeleteFunc(h.buttons, func(x int) bool { return x == b })
		if down {
			h.buttons = append(h.buttons, b)
		}
		return nil
	case wire.InputWheel:
		// Trackpads send fractions of a notch: keep the remainder.
		h.wheelX += ev.DX
		h.wheelY += ev.DY
		nx, ny := math.Trunc(h.wheelX), math.Trunc(h.wheelY)
		h.wheelX -= nx
		h.wheelY -= ny
		if nx == 0 && ny == 0 {
			return nil
		}
		return h.inj.Wheel(int(nx), int(ny))
	case wire.InputKeyDown, wire.InputKeyUp:
		down := ev.T == wire.InputKeyDown
		if !down && !slices.Contains(h.keys, kc) {
			return errNothingHeld
		}
		// A repeated keydown of a held key is passed on: it is how the
		// helper's auto-repeat reaches the sharer.
		if err := h.inj.Key(kc, down); err != nil {
			return err
		}
		h.keys = slices.DeleteFunc(h.keys, func(x KeyCode) bool { return x == kc })
		if down {
			h.keys = append(h.keys, kc)
		}
		return nil
	case wire.InputText:
		// One line-ending convention for every injector: "\n" is Enter.
		return h.typeText(strings.ReplaceAll(strings.ReplaceAll(ev.Text, "\r\n", "\n"), "\r", "\n"))
	}
	return fmt.Errorf("%w: kind", ErrUnsupported)
}

// textChunk is how many characters typeText hands the injector at once.
// Each Text call costs the X11 injector a keyboard-mapping round trip, so
// one call per character would multiply the X traffic of a long text; ten
// keep the cut within ten characters of the revoke.
const textChunk = 10

// typeText types s in chunks of textChunk characters and asks the gate
// before each: a long text stops the moment control ends, instead of
// typing on while the revoke waits for it (the revoke's release waits for
// mu, which this holds). Called with mu held.
func (h *Handler) typeText(s string) error {
	for first := true; s != ""; first = false {
		if !first && !h.gate.MayInject() {
			return errTextCut
		}
		end, n := 0, 0
		for end < len(s) && n < textChunk {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
			n++
		}
		if err := h.inj.Text(s[:end]); err != nil {
			return err
		}
		s = s[end:]
	}
	return nil
}

// moveTo maps normalised coordinates to monitor pixels. Both ends of [0,1]
// land on the monitor's first and last pixel: x = X + round(nx*(W-1)), so
// (0.25, 0.5) on a 1920x1080 monitor at (0,0) is (480, 540).
func (h *Handler) moveTo(nx, ny float64) error {
	x, y, ok := MonitorPoint(h.monitor(), nx, ny)
	if !ok {
		return fmt.Errorf("%w: empty monitor geometry", ErrUnsupported)
	}
	return h.inj.MoveAbs(x, y)
}

// MonitorPoint maps normalised [0,1] coordinates to pixels of m; ok is
// false for an empty monitor.
func MonitorPoint(m wire.Monitor, nx, ny float64) (x, y int, ok bool) {
	if m.Width <= 0 || m.Height <= 0 {
		return 0, 0, false
	}
	nx = min(max(nx, 0), 1)
	ny = min(max(ny, 0), 1)
	return m.X + int(math.Round(nx*float64(m.Width-1))), m.Y + int(math.Round(ny*float64(m.Height-1))), true
}

// ReleaseAll releases every held key (last pressed first) and button at
// once, whatever the gate says: releasing is always safe. It is called on
// every gate change that stops control and on release-all events.
func (h *Handler) ReleaseAll() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.releaseAllLocked()
}

func (h *Handler) releaseAllLocked() error {
	var errs []error
	for i := len(h.keys) - 1; i >= 0; i-- {
		errs = append(errs, h.inj.Key(h.keys[i], false))
	}
	for i := len(h.buttons) - 1; i >= 0; i-- {
		errs = append(errs, h.inj.Button(h.buttons[i], false))
	}
	// Forget them even on error: retrying a failed release later could
	// release a key the local user is holding by then.
	h.keys, h.buttons = h.keys[:0], h.buttons[:0]
	h.wheelX, h.wheelY = 0, 0
	if err := errors.Join(errs...); err != nil {
		h.logger.Warn("releasing held input failed", "err", err)
		return err
	}
	return nil
}

// Held returns the keys and buttons the Handler holds pressed now.
func (h *Handler) Held() (keys []KeyCode, buttons []int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.keys), slices.Clone(h.buttons)
}

// xButton maps DOM MouseEvent.button to X numbering.
func xButton(dom int) int {
	switch dom {
	case wire.ButtonLeft:
		return ButtonLeft
	case wire.ButtonMiddle:
		return ButtonMiddle
	case wire.ButtonRight:
		return ButtonRight
	case wire.ButtonBack:
		return ButtonBack
	case wire.ButtonFwd:
		return ButtonForward
	}
	return 0
}
