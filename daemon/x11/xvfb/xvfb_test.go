//go:build linux

package xvfb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// testDisplay is this package's reserved display number.
const testDisplay = 91

func start(t *testing.T) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := Start(ctx, testDisplay, 640, 480)
	if errors.Is(err, ErrNotInstalled) {
		t.Skip("Xvfb is not installed")
	}
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s
}

func TestStartAndClose(t *testing.T) {
	s := start(t)
	if s.Display != ":"+strconv.Itoa(testDisplay) || s.Width != 640 || s.Height != 480 {
		t.Errorf("server = %+v", s)
	}
	if _, err := os.Stat(socketPath(testDisplay)); err != nil {
		t.Errorf("socket after Start: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Start(ctx, testDisplay, 640, 480); err == nil {
		t.Error("second Start on a busy display succeeded")
	}
	p, err := NewPainter(s.Display)
	if err != nil {
		t.Fatalf("NewPainter: %v", err)
	}
	if err := p.Fill(0, 0, 10, 10, 0xff0000); err != nil {
		t.Errorf("Fill: %v", err)
	}
	if err := p.Put(0, 0, 10, 10, make([]byte, 10)); err == nil {
		t.Error("Put with too few bytes succeeded")
	}
	p.Close()
	s.Close()
	s.Close() // idempotent
	if _, err := os.Stat(socketPath(testDisplay)); !os.IsNotExist(err) {
		t.Errorf("socket after Close: %v, want it removed", err)
	}
}

func TestStartReplacesStaleLock(t *testing.T) {
	// A lock file naming a dead process, as a crashed server leaves.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	lock := fmt.Sprintf("%11d\n", dead.Process.Pid)
	if err := os.WriteFile(lockPath(testDisplay), []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	s := start(t)
	s.Close()
}
