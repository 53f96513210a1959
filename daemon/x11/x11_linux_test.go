//go:build linux

package x11_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"

	"github.com/quickhelp/quickhelp/daemon/x11"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
)

// testDisplay is this package's reserved display number.
const testDisplay = 92

var all = []x11.Extension{x11.XTest, x11.Damage, x11.XFixes, x11.Shm, x11.Shape, x11.RandR}

func startX(t *testing.T) *xvfb.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := xvfb.Start(ctx, testDisplay, 320, 240)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		t.Skip("Xvfb is not installed")
	}
	if err != nil {
		t.Fatalf("xvfb.Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func dial(t *testing.T, display string) *xgb.Conn {
	t.Helper()
	c, err := x11.Dial(display)
	if err != nil {
		t.Fatalf("Dial(%q) = %v", display, err)
	}
	t.Cleanup(c.Close)
	return c
}

// watchDamage reports damage on c's root window: one event per drawing
// request, decoded by c's reader goroutine through xgb's shared maps.
func watchDamage(t *testing.T, c *xgb.Conn) <-chan struct{} {
	t.Helper()
	root := xproto.Setup(c).DefaultScreen(c).Root
	id, err := damage.NewDamageId(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := damage.CreateChecked(c, id, xproto.Drawable(root), damage.ReportLevelRawRectangles).Check(); err != nil {
		t.Fatalf("damage.Create: %v", err)
	}
	seen := make(chan struct{}, 1)
	go func() { // ends when the test closes c
		for {
			ev, err := c.WaitForEvent()
			if ev == nil && err == nil {
				return
			}
			if _, ok := ev.(damage.NotifyEvent); ok {
				select {
				case seen <- struct{}{}:
				default:
				}
			}
		}
	}()
	return seen
}

func waitSeen(t *testing.T, seen <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-seen:
	case <-time.After(5 * time.Second):
		t.Fatalf("no damage event on %s", what)
	}
}

// TestLaterConnectionsLeaveDecodersAlone opens a connection that decodes
// DAMAGE events while a second connection enables every extension. Only
// the first connection of the process may call xgb's Init (which writes
// maps the first connection's reader reads: the race detector would see
// it), and the second connection's extensions must still work.
func TestLaterConnectionsLeaveDecodersAlone(t *testing.T) {
	srv := startX(t)
	a := dial(t, srv.Display)
	if err := x11.Enable(a, x11.Damage); err != nil {
		t.Fatalf("Enable(a, Damage) = %v", err)
	}
	inits := x11.Inits()
	if inits == 0 {
		t.Fatal("the first Dial registered no extension")
	}
	seenA := watchDamage(t, a)
	painter, err := xvfb.NewPainter(srv.Display)
	if err != nil {
		t.Fatal(err)
	}
	defer painter.Close()
	if err := painter.Fill(0, 0, 10, 10, 0xff0000); err != nil {
		t.Fatal(err)
	}
	waitSeen(t, seenA, "the first connection")

	// Keep a's reader decoding while b enables everything.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := painter.Fill(i%300, 0, 10, 10, uint32(i)); err != nil {
				t.Errorf("Fill: %v", err)
				return
			}
		}
	}()
	b := dial(t, srv.Display)
	err = x11.Enable(b, all...)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Enable(b, all) = %v", err)
	}
	if got := x11.Inits(); got != inits {
		t.Errorf("xgb Init calls after the second connection = %d, want %d", got, inits)
	}
	a.ExtLock.RLock()
	opA := a.Extensions["DAMAGE"]
	a.ExtLock.RUnlock()
	b.ExtLock.RLock()
	opB := b.Extensions["DAMAGE"]
	b.ExtLock.RUnlock()
	if opA == 0 || opA != opB {
		t.Errorf("DAMAGE opcode a=%d b=%d, want equal and set", opA, opB)
	}

	// b's requests and events work without its own Init.
	if _, err := xfixes.GetCursorImage(b).Reply(); err != nil {
		t.Errorf("XFIXES GetCursorImage on b: %v", err)
	}
	seenB := watchDamage(t, b)
	if err := painter.Fill(20, 20, 10, 10, 0x00ff00); err != nil {
		t.Fatal(err)
	}
	waitSeen(t, seenB, "the second connection")
}

func TestEnableUnknownExtension(t *testing.T) {
	srv := startX(t)
	c := dial(t, srv.Display)
	if err := x11.Enable(c, x11.Extension(99)); !errors.Is(err, x11.ErrExtension) {
		t.Errorf("Enable(Extension(99)) = %v, want %v", err, x11.ErrExtension)
	}
}
