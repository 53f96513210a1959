package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/quickhelp/quickhelp/internal/dbustest"
	"github.com/quickhelp/quickhelp/internal/i18n"
	"github.com/quickhelp/quickhelp/internal/syncbuf"
	"github.com/quickhelp/quickhelp/wire"
)

const waitFor = 10 * time.Second

func captureLogger() (*slog.Logger, *syncbuf.Buffer) {
	var buf syncbuf.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// startBus runs a private D-Bus session bus for the test and points the
// environment at it.
func startBus(t *testing.T) string {
	t.Helper()
	addr, dir := dbustest.Start(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	return addr
}

func TestStartWithoutSessionBusIsInactive(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no "bus" socket in it
	logger, buf := captureLogger()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	tr, err := Start(ctx, Config{Logger: logger})
	if err != nil {
		t.Fatalf("Start() = %v, want an inactive tray and no error", err)
	}
	if tr.Active() {
		t.Errorf("Active() = true with no session bus, want false")
	}
	// Updates are accepted and remembered, but log nothing more.
	tr.Update(wire.SharerStatus{State: wire.SharerSharing, Helper: &wire.HelperInfo{DisplayName: "Alex P."}})
	tr.Update(wire.SharerStatus{State: wire.SharerPaused})
	if got := tr.View().Tooltip; got != "Paused" {
		t.Errorf("View().Tooltip = %q, want %q", got, "Paused")
	}
	tr.Close()
	tr.Close()
	logged := buf.String()
	if n := strings.Count(logged, "\n"); n != 1 || !strings.Contains(logged, "no system tray") ||
		!strings.Contains(logged, "no D-Bus session bus") {
		t.Errorf("log = %q, want one line saying there is no system tray (no D-Bus session bus)", logged)
	}
}

func TestStartWithoutWatcherIsInactive(t *testing.T) {
	startBus(t)
	logger, buf := captureLogger()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	tr, err := Start(ctx, Config{Logger: logger})
	if err != nil {
		t.Fatalf("Start() = %v", err)
	}
	defer tr.Close()
	if tr.Active() {
		t.Errorf("Active() = true with no StatusNotifierWatcher, want false")
	}
	tr.Update(wire.SharerStatus{State: wire.SharerSharing})
	logged := buf.String()
	if n := strings.Count(logged, "\n"); n != 1 || !strings.Contains(logged, "no StatusNotifierWatcher") {
		t.Errorf("log = %q, want one line saying there is no StatusNotifierWatcher", logged)
	}
}

func TestProbeHostErrors(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "missing"))
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := probeHost(ctx); !errors.Is(err, ErrNoHost) {
		t.Errorf("probeHost(unreachable bus) = %v, want %v", err, ErrNoHost)
	}
}

// watcher is a minimal org.kde.StatusNotifierWatcher: it records which
// bus names register an item.
type watcher struct {
	mu  sync.Mutex
	reg []string // "sender path"
}

func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, item string) *dbus.Error {
	w.mu.Lock()
	w.reg = append(w.reg, string(sender)+" "+item)
	w.mu.Unlock()
	return nil
}

func (w *watcher) registered() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.reg...)
}

func eventually(t *testing.T, what string, f func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		ok, got := f()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %s after %v", what, got, waitFor)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRegistersTooltipAndMenu is the only test that starts the real tray
// library (it runs once per process): against a private session bus with
// a minimal watcher, the icon registers, its tooltip follows the status
// and a click on "Stop sharing" reaches the daemon's action.
func TestRegistersTooltipAndMenu(t *testing.T) {
	if startedOnce.Load() {
		t.Skip("the tray library runs once per process and this process already ran it (-count > 1)")
	}
	addr := startBus(t)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect to the test bus: %v", err)
	}
	defer conn.Close()
	w := &watcher{}
	if err := conn.Export(w, "/StatusNotifierWatcher", watcherName); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName(%s) = %v, %v", watcherName, r, err)
	}

	clicked := make(chan string, 4)
	act := func(name string) func() { return func() { clicked <- name } }
	logger, buf := captureLogger()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	tr, err := Start(ctx, Config{Logger: logger, Actions: Actions{
		Stop: act("stop"), RevokeControl: act("revoke"), Pause: act("pause"), Resume: act("resume"),
		KeepSharing: act("keep-sharing")}})
	if err != nil {
		t.Fatalf("Start() = %v", err)
	}
	defer tr.Close()
	if !tr.Active() {
		t.Fatalf("Active() = false with a watcher on the bus; log: %s", buf.String())
	}
	if _, err := Start(ctx, Config{Logger: logger}); !errors.Is(err, ErrAlreadyStarted) {
		t.Errorf("second Start() = %v, want %v", err, ErrAlreadyStarted)
	}
	tr.Update(wire.SharerStatus{State: wire.SharerIdle})
	if got := w.registered(); len(got) != 0 {
		t.Errorf("registered before any session: %v", got)
	}

	alex := &wire.HelperInfo{DisplayName: "Alex P."}
	tr.Update(wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlNone, Helper: alex})
	var sender, path string
	eventually(t, "item registration", func() (bool, string) {
		r := w.registered()
		if len(r) == 0 {
			return false, "none"
		}
		sender, path, _ = strings.Cut(r[0], " ")
		return true, ""
	})
	item := conn.Object(sender, dbus.ObjectPath(path))
	tooltip := func() (bool, string) {
		v, err := item.GetProperty("org.kde.StatusNotifierItem.ToolTip")
		if err != nil {
			return false, err.Error()
		}
		return true, fmt.Sprint(v.Value())
	}
	want := "Sharing your screen with Alex P."
	eventually(t, "tooltip", func() (bool, string) {
		ok, got := tooltip()
		return ok && strings.Contains(got, want), got
	})
	tr.Update(wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlGranted, Helper: alex})
	want = "Alex P. controls your mouse and keyboard"
	eventually(t, "tooltip", func() (bool, string) {
		ok, got := tooltip()
		return ok && strings.Contains(got, want), got
	})

	// Click the items the way a tray host does (dbusmenu Event).
	menuPath, err := item.GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatalf("Menu property: %v", err)
	}
	menuObj := conn.Object(sender, menuPath.Value().(dbus.ObjectPath))
	click := func(label, want string) {
		t.Helper()
		id := findMenuItem(t, menuObj, label)
		if err := menuObj.Call("com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(""), uint32(0)).Err; err != nil {
			t.Fatalf("dbusmenu Event(%q): %v", label, err)
		}
		select {
		case got := <-clicked:
			if got != want {
				t.Errorf("clicking %q called %s, want %s", label, got, want)
			}
		case <-time.After(waitFor):
			t.Fatalf("clicking %q called no action, want %s", label, want)
		}
	}
	click(i18n.English.T(i18n.TrayRevokeControl), "revoke")
	click(i18n.English.T(i18n.TrayPause), "pause")
	tr.Update(wire.SharerStatus{State: wire.SharerPaused, Control: wire.ControlNone, Helper: alex})
	eventually(t, "tooltip", func() (bool, string) {
		ok, got := tooltip()
		return ok && strings.Contains(got, "Paused"), got
	})
	click(i18n.English.T(i18n.TrayResume), "resume")
	// "Keep sharing?" pending: the item appears and answers it.
	tr.Update(wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlNone, Helper: alex, KeepSharingUntil: time.Now().Add(time.Minute).UnixMilli()})
	eventually(t, "tooltip", func() (bool, string) {
		ok, got := tooltip()
		return ok && strings.Contains(got, "Keep sharing?"), got
	})
	click(i18n.English.T(i18n.TrayKeepSharing), "keep-sharing")
	click(i18n.English.T(i18n.TrayStop), "stop")
	if strings.Contains(buf.String(), "no system tray") {
		t.Errorf("log says there is no tray although one registered: %s", buf.String())
	}
}

// findMenuItem returns the dbusmenu ID of the visible item with label
// (polling: the menu layout follows Update asynchronously).
func findMenuItem(t *testing.T, menuObj dbus.BusObject, label string) int32 {
	t.Helper()
	type layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	var id int32
	eventually(t, "menu item "+label, func() (bool, string) {
		var rev uint32
		var root layout
		if err := menuObj.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
			return false, err.Error()
		}
		var labels []string
		for _, c := range root.Children {
			var l layout
			if err := dbus.Store([]interface{}{c.Value()}, &l); err != nil {
				return false, err.Error()
			}
			got, _ := l.Props["label"].Value().(string)
			visible, ok := l.Props["visible"].Value().(bool)
			labels = append(labels, fmt.Sprintf("%s(visible=%v)", got, visible || !ok))
			if got == label && (visible || !ok) {
				id = l.ID
				return true, ""
			}
		}
		return false, fmt.Sprintf("labels %q", labels)
	})
	return id
}
