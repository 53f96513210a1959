//go:build linux && cgo

package keygrab

import (
	"errors"
	"io"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// grabDisplay is this package's X display. It starts Xvfb itself rather
// than through xvfb.Start: app/... never imports daemon/... .
const grabDisplay = 181

// TestGDKGrabHoldsTheKeyboard shows a GTK window on a private Xvfb, grabs
// the keyboard through GDK from another goroutine (as the page's binding
// does), and checks from a second X client that the keyboard is held, and
// free again after the release.
func TestGDKGrabHoldsTheKeyboard(t *testing.T) {
	display := ":" + strconv.Itoa(grabDisplay)
	startXvfb(t, display)
	other := dialX(t, display)
	defer other.Close()
	root := xproto.Setup(other).DefaultScreen(other).Root
	// othersGrab tries a keyboard grab of its own: AlreadyGrabbed while
	// the window holds the keyboard.
	othersGrab := func() byte {
		r, err := xproto.GrabKeyboard(other, false, root, xproto.TimeCurrentTime, xproto.GrabModeAsync, xproto.GrabModeAsync).Reply()
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == xproto.GrabStatusSuccess {
			xproto.UngrabKeyboard(other, xproto.TimeCurrentTime)
			other.Sync()
		}
		return r.Status
	}

	// GTK lives on this goroutine's locked thread, like the app's main loop.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !hostOpen(display) {
		t.Fatal("GTK could not open", display)
	}
	type result struct{ grabbed, whileHeld, released, afterRelease byte }
	done := make(chan result, 1)
	go func() {
		var r result
		time.Sleep(200 * time.Millisecond) // the window is mapped
		g := GDK{}
		if g.GrabKeyboard(true) {
			r.grabbed = 1
		}
		r.whileHeld = othersGrab()
		if !g.GrabKeyboard(false) {
			r.released = 1
		}
		r.afterRelease = othersGrab()
		done <- r
	}()
	deadline := time.After(20 * time.Second)
	for {
		hostIterate()
		select {
		case r := <-done:
			if r.grabbed != 1 {
				t.Fatal("GrabKeyboard(true) = false, want the keyboard held")
			}
			if r.whileHeld != xproto.GrabStatusAlreadyGrabbed {
				t.Errorf("another client's grab while held: status %d, want AlreadyGrabbed (%d)", r.whileHeld, xproto.GrabStatusAlreadyGrabbed)
			}
			if r.released != 1 {
				t.Error("GrabKeyboard(false) = true, want false (released)")
			}
			if r.afterRelease != xproto.GrabStatusSuccess {
				t.Errorf("another client's grab after the release: status %d, want Success", r.afterRelease)
			}
			return
		case <-deadline:
			t.Fatal("the grab did not finish within 20 s")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func startXvfb(t *testing.T, display string) {
	t.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Fatal("Xvfb is not installed (make deps installs it): ", err)
	}
	sock := "/tmp/.X11-unix/X" + display[1:]
	lock := "/tmp/.X" + display[1:] + "-lock"
	if b, err := os.ReadFile(lock); err == nil {
		// A live server holds the number: someone else's test runs now.
		// A lock of a dead one is stale and removed.
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && syscall.Kill(pid, 0) == nil {
			t.Fatalf("display %s is already in use", display)
		}
		os.Remove(lock)
		os.Remove(sock)
	}
	cmd := exec.Command(bin, display, "-screen", "0", "640x480x24", "-nolisten", "tcp")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM lets Xvfb remove its socket and lock.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(sock); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("Xvfb %s did not start", display)
}

func dialX(t *testing.T, display string) *xgb.Conn {
	t.Helper()
	xgb.Logger = log.New(io.Discard, "", 0)
	var last error
	for i := 0; i < 50; i++ {
		c, err := xgb.NewConnDisplay(display)
		if err == nil {
			return c
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal(errors.Join(errors.New("cannot connect to "+display), last))
	return nil
}
