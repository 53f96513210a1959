//go:build linux

package capture

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/wire"
)

// x11Source captures from one X screen through one connection. DAMAGE on
// the root window says when anything changed; the grab goes into a
// persistent MIT-SHM segment (or a plain GetImage reply when the server
// cannot share memory with us, e.g. over ssh forwarding).
type x11Source struct {
	log      *slog.Logger
	interval time.Duration
	conn     *xgb.Conn
	root     xproto.Window
	damage   damage.Damage
	shm      *shmSegment // nil: no MIT-SHM
	randr    bool        // RandR 1.5 is available; set once in setup
	loopDone chan struct{}

	// wake has room for one token: the event loop and ForceNext never
	// block on it, and several signals before Next wakes collapse into one.
	wake chan struct{}
	// damageSeq is the sequence number of the latest damage event plus
	// seenBit (0: none yet). Next compares it with repairSeq.
	damageSeq atomic.Uint32
	force     atomic.Bool // ForceNext or SetMonitor asked for a frame
	closed    atomic.Bool

	// nextMu serialises Next (one consumer) against Close, which unmaps
	// the segment that Next writes into.
	nextMu    sync.Mutex
	img       Image
	lastFrame time.Time
	// repairSeq is the sequence number of the last damage Subtract. An
	// event carries the sequence of the last request of ours the server had
	// processed, so an event older than the Subtract describes a change
	// already in the grabbed frame (such as the whole-screen damage
	// reported on creation) and must not produce another frame.
	repairSeq uint16

	// mu guards the monitor selection.
	mu       sync.Mutex
	monitors []wire.Monitor
	current  int

	// cursorMu guards cursorSerial, the shape last reported by Cursor.
	cursorMu     sync.Mutex
	cursorSerial uint32
	cursorSent   bool
}

func newX11(cfg Config) (*x11Source, error) {
	conn, err := x11.Dial(cfg.Display)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDisplay, err)
	}
	s := &x11Source{
		log:      cfg.Logger.With("component", "capture"),
		interval: frameInterval(cfg.MaxFPS),
		conn:     conn,
		wake:     make(chan struct{}, 1),
		loopDone: make(chan struct{}),
	}
	if err := s.setup(cfg); err != nil {
		conn.Close()
		if s.shm != nil {
			s.shm.release()
		}
		return nil, err
	}
	s.force.Store(true) // the first Next returns at once
	go s.eventLoop()
	return s, nil
}

func (s *x11Source) setup(cfg Config) error {
	setup := xproto.Setup(s.conn)
	screen := setup.DefaultScreen(s.conn)
	s.root = screen.Root
	if !fourBytesPerPixel(setup, screen.RootDepth) {
		return fmt.Errorf("%w: root depth %d", ErrUnsupported, screen.RootDepth)
	}
	if err := x11.Enable(s.conn, x11.XFixes, x11.Damage); err != nil {
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	id, err := damage.NewDamageId(s.conn)
	if err != nil {
		return fmt.Errorf("%w: damage id: %w", ErrUnsupported, err)
	}
	// NonEmpty: one event when the damaged region goes from empty to
	// non-empty; Next subtracts it before grabbing, which re-arms it. This
	// keeps the event rate at most one per frame however busy the screen.
	if err := damage.CreateChecked(s.conn, id, xproto.Drawable(s.root), damage.ReportLevelNonEmpty).Check(); err != nil {
		return fmt.Errorf("%w: create damage: %w", ErrUnsupported, err)
	}
	s.damage = id

	s.initRandR()
	s.monitors = s.readMonitors()
	if cfg.Monitor >= len(s.monitors) {
		return ErrBadMonitor
	}
	s.current = cfg.Monitor
	w, h := int(screen.WidthInPixels), int(screen.HeightInPixels)
	seg, err := newShmSegment(s.conn, w*h*4)
	if err != nil {
		s.log.Info("MIT-SHM unavailable, using slower GetImage", "err", err)
	} else {
		s.shm = seg
	}
	return nil
}

// fourBytesPerPixel reports whether ZPixmap images of depth are 32 bits
// per pixel, the only layout Image describes.
func fourBytesPerPixel(setup *xproto.SetupInfo, depth byte) bool {
	if depth != 24 && depth != 32 {
		return false
	}
	for _, f := range setup.PixmapFormats {
		if f.Depth == depth {
			return f.BitsPerPixel == 32
		}
	}
	return false
}

// eventLoop turns X events into flags for Next. It ends when the
// connection closes.
func (s *x11Source) eventLoop() {
	defer close(s.loopDone)
	for {
		ev, err := s.conn.WaitForEvent()
		if ev == nil && err == nil {
			return
		}
		if err != nil {
			s.log.Debug("x11 error event", "err", err)
			continue
		}
		if n, ok := ev.(damage.NotifyEvent); ok {
			s.damageSeq.Store(seenBit | uint32(n.Sequence))
			s.signal()
		}
	}
}

const seenBit = 1 << 16

// damaged reports whether a damage event newer than the last repair came in.
func (s *x11Source) damaged() bool {
	d := s.damageSeq.Load()
	return d&seenBit != 0 && int16(uint16(d)-s.repairSeq) >= 0
}

func (s *x11Source) signal() {
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (s *x11Source) ForceNext() {
	s.force.Store(true)
	s.signal()
}

func (s *x11Source) Monitors() []wire.Monitor {
	mons := s.readMonitors()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.monitors = mons
	if s.current >= len(mons) {
		s.current = 0
	}
	return append([]wire.Monitor(nil), mons...)
}

func (s *x11Source) SetMonitor(i int) error {
	s.mu.Lock()
	if i < 0 || i >= len(s.monitors) {
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrBadMonitor, i)
	}
	s.current = i
	s.mu.Unlock()
	s.ForceNext()
	return nil
}

func (s *x11Source) monitor() wire.Monitor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.monitors[s.current]
}

func (s *x11Source) Next(ctx context.Context) (*Image, error) {
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	for {
		if s.closed.Load() {
			return nil, ErrClosed
		}
		if s.force.Swap(false) || s.damaged() {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.loopDone:
			return nil, ErrClosed
		case <-s.wake:
		}
	}
	if err := sleepUntil(ctx, s.lastFrame.Add(s.interval)); err != nil {
		s.force.Store(true) // the change stays pending for the next call
		return nil, err
	}
	// Repair before grabbing: a change that lands during the grab raises a
	// new event, so it is never lost (at worst it is captured twice).
	s.repairSeq = damage.Subtract(s.conn, s.damage, 0, 0).Sequence
	if err := s.grab(s.monitor()); err != nil {
		return nil, err
	}
	s.lastFrame = s.img.Captured
	// Forget a stale event so that sequence numbers wrapping around (after
	// 65536 requests) cannot make it look new again.
	if d := s.damageSeq.Load(); d&seenBit != 0 && int16(uint16(d)-s.repairSeq) < 0 {
		s.damageSeq.CompareAndSwap(d, 0)
	}
	return &s.img, nil
}

func (s *x11Source) grab(m wire.Monitor) error {
	n := m.Width * m.Height * 4
	if s.shm != nil && n > len(s.shm.data) {
		// The screen grew (RandR); replace the segment.
		s.shm.release()
		s.shm = nil
		if seg, err := newShmSegment(s.conn, n); err == nil {
			s.shm = seg
		}
	}
	var pix []byte
	if s.shm != nil {
		_, err := s.shm.getImage(s.root, m)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrGrab, err)
		}
		pix = s.shm.data[:n]
	} else {
		r, err := xproto.GetImage(s.conn, xproto.ImageFormatZPixmap, xproto.Drawable(s.root),
			int16(m.X), int16(m.Y), uint16(m.Width), uint16(m.Height), 0xffffffff).Reply()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrGrab, err)
		}
		if len(r.Data) < n {
			return fmt.Errorf("%w: short image", ErrGrab)
		}
		pix = r.Data[:n]
	}
	s.img = Image{Width: m.Width, Height: m.Height, Stride: m.Width * 4, Pix: pix, Captured: time.Now()}
	return nil
}

func (s *x11Source) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.signal()
	s.nextMu.Lock() // wait for a running Next to finish with the segment
	defer s.nextMu.Unlock()
	s.conn.Close()
	<-s.loopDone
	if s.shm != nil {
		s.shm.release()
		s.shm = nil
	}
	return nil
}
