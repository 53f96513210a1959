package actions

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/internal/dbustest"
	"github.com/quickhelp/quickhelp/wire"
)

// taskManagerDisplay is the Xvfb display reserved for this package's tests.
const taskManagerDisplay = 185

// noReboot stands in for the OS restart (an OS boundary) where a test is
// about the task manager only.
type noReboot struct{}

func (noReboot) CanReboot(context.Context) bool { return false }
func (noReboot) Reboot(context.Context) error   { return ErrUnavailable }

// The task manager action starts the first installed monitor of the
// shipped list on the sharer's display: its window appears on a real X
// server. A second press within MinInterval starts nothing.
func TestTaskManagerOpensOnTheDisplay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tool := range []string{"lxtask", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (make deps installs it): %v", tool, err)
		}
	}
	x, err := xvfb.Start(ctx, taskManagerDisplay, 800, 600)
	if err != nil {
		t.Fatalf("xvfb.Start(%d) = %v", taskManagerDisplay, err)
	}
	defer x.Close() // the monitor exits with its X server

	r := New(Config{Display: x.Display, Rebooter: noReboot{}})
	if got := r.Available(ctx); !slices.Equal(got, []string{wire.ActionTaskManager}) {
		t.Fatalf("Available() = %v, want [%s]", got, wire.ActionTaskManager)
	}
	c, _, _ := r.taskManager()
	if err := r.StartTaskManager(); err != nil {
		t.Fatalf("StartTaskManager() = %v", err)
	}
	if err := r.StartTaskManager(); !errors.Is(err, ErrTooSoon) {
		t.Errorf("second StartTaskManager() = %v, want ErrTooSoon", err)
	}
	// The window of the started program (WM_CLASS is its name) is mapped.
	deadline := time.Now().Add(20 * time.Second)
	for {
		search := exec.CommandContext(ctx, "xdotool", "search", "--onlyvisible", "--class", c.Name)
		search.Env = append(os.Environ(), "DISPLAY="+x.Display)
		out, _ := search.Output()
		if strings.TrimSpace(string(out)) != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no visible %s window on %s", c.Name, x.Display)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// With none of the monitors installed the action is not offered and
// cannot be started.
func TestTaskManagerHiddenWhenNoneInstalled(t *testing.T) {
	r := New(Config{
		TaskManagers: []Command{{Name: "quickhelp-no-such-monitor"}, {Name: "xterm", Needs: []string{"quickhelp-no-such-top"}}},
		Rebooter:     noReboot{},
	})
	if got := r.Available(context.Background()); len(got) != 0 {
		t.Errorf("Available() = %v, want none", got)
	}
	if err := r.StartTaskManager(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("StartTaskManager() = %v, want ErrUnavailable", err)
	}
}

// fakeLogind is logind's Manager object on a private bus: the D-Bus code
// of Logind runs for real against it, only the computer stays up.
type fakeLogind struct {
	// mu guards can and got.
	mu  sync.Mutex
	can string
	got []bool // interactive flag of each Reboot call
}

func (f *fakeLogind) CanReboot() (string, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.can, nil
}
func (f *fakeLogind) Reboot(interactive bool) *dbus.Error {
	f.mu.Lock()
	f.got = append(f.got, interactive)
	f.mu.Unlock()
	return nil
}

// Logind asks org.freedesktop.login1 whether it may restart and then to
// restart, interactively (polkit may ask the user).
func TestLogindRebootOverDBus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := dbustest.Start(t)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	f := &fakeLogind{can: "challenge"}
	if err := conn.Export(f, logindPath, logindMgr); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(logindName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName = %v, %v", reply, err)
	}
	l := Logind{Address: addr}
	if !l.CanReboot(ctx) {
		t.Fatal("CanReboot = false with logind answering challenge")
	}
	r := New(Config{Rebooter: l, TaskManagers: []Command{}})
	if got := r.Available(ctx); !slices.Equal(got, []string{wire.ActionRestart}) {
		t.Errorf("Available() = %v, want [%s]", got, wire.ActionRestart)
	}
	if err := r.Reboot(ctx); err != nil {
		t.Fatalf("Reboot() = %v", err)
	}
	f.mu.Lock()
	got := slices.Clone(f.got)
	f.mu.Unlock()
	if !slices.Equal(got, []bool{true}) {
		t.Errorf("logind Reboot calls = %v, want one interactive call", got)
	}
	f.mu.Lock()
	f.can = "no"
	f.mu.Unlock()
	if l.CanReboot(ctx) {
		t.Error("CanReboot = true with logind answering no")
	}
	if err := r.Reboot(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Reboot() when not allowed = %v, want ErrUnavailable", err)
	}
	if (Logind{Address: "unix:path=" + filepath.Join(t.TempDir(), "none")}).CanReboot(ctx) {
		t.Error("CanReboot = true without a bus")
	}
}
