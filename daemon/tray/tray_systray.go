//go:build linux || windows

package tray

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"fyne.io/systray"

	"github.com/quickhelp/quickhelp/internal/i18n"
	"github.com/quickhelp/quickhelp/wire"
)

// startedOnce guards the tray library's process-wide state (its icon,
// menu and quit channel exist once per process and cannot restart). It
// is the only package-level state here, mirroring that constraint.
var startedOnce atomic.Bool

// closeWait bounds how long Close waits for the tray library; a desktop
// that stops answering must not keep the daemon from exiting.
const closeWait = 5 * time.Second

// menu holds the tray's menu items once the library has built them.
type menu struct {
	stop, pause, revoke, keep *systray.MenuItem
	control                   bool          // the icon shows "helper has control"
	ready                     chan struct{} // closed when the items exist
}

// Start looks for a tray host and returns the Tray. With no host it logs
// that once and returns an inactive Tray, never an error: a daemon on a
// bare X server still shares. ctx bounds the host probe only.
func Start(ctx context.Context, cfg Config) (*Tray, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = cfg.Logger.With("component", "tray")
	if err := probeHost(ctx); err != nil {
		cfg.Logger.Info("no system tray on this desktop; the tray icon is off", "err", err)
		return inactive(cfg), nil
	}
	if !startedOnce.CompareAndSwap(false, true) {
		return nil, ErrAlreadyStarted
	}
	t := inactive(cfg)
	t.active = true
	t.menu = &menu{ready: make(chan struct{})}
	return t, nil
}

// Update shows the daemon's status. The icon appears with the first
// in-session status.
func (t *Tray) Update(s wire.SharerStatus) {
	v := ViewOf(t.lang, s)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.view = v
	if !t.active || t.closed.Load() {
		return
	}
	if !t.running && v.InSession {
		t.running = true
		t.wg.Add(1)
		go t.run()
	}
	if t.isReady() {
		t.apply(v)
	}
}

// Close removes the icon and waits for the tray's goroutines (bounded by
// closeWait). The Tray cannot be used afterwards.
func (t *Tray) Close() {
	if t.closed.Swap(true) {
		return
	}
	close(t.done)
	t.mu.Lock()
	running := t.running
	t.mu.Unlock()
	if !running {
		t.wg.Wait()
		return
	}
	// On Windows, Quit posts to the tray window: let it exist first.
	select {
	case <-t.menu.ready:
	case <-time.After(closeWait):
	}
	systray.Quit()
	stopped := make(chan struct{})
	go func() { t.wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(closeWait):
		t.logger.Warn("tray did not stop in time; leaving it behind")
	}
}

// run hosts the tray library. It is locked to its OS thread because on
// Windows the tray's window and its message loop must share a thread.
func (t *Tray) run() {
	defer t.wg.Done()
	runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
	skipDelayedLayoutRefresh()
	systray.Run(t.onReady, nil)
}

// onReady runs on a goroutine of the tray library once it is up.
func (t *Tray) onReady() {
	systray.SetTitle(t.lang.T(i18n.TrayTitle))
	keep := systray.AddMenuItem(t.lang.T(i18n.TrayKeepSharing), "")
	stop := systray.AddMenuItem(t.lang.T(i18n.TrayStop), "")
	pause := systray.AddMenuItem(t.lang.T(i18n.TrayPause), "")
	revoke := systray.AddMenuItem(t.lang.T(i18n.TrayRevokeControl), "")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.menu.stop, t.menu.pause, t.menu.revoke, t.menu.keep = stop, pause, revoke, keep
	close(t.menu.ready)
	t.menu.control = !t.view.RevokeControl // force the first icon
	t.apply(t.view)
	if !t.closed.Load() {
		t.wg.Add(1) // run is still counted, so this cannot race Wait to zero
		go t.clicks()
	}
}

func (t *Tray) isReady() bool {
	select {
	case <-t.menu.ready:
		return true
	default:
		return false
	}
}

// apply shows v; the caller holds mu and the menu is built.
func (t *Tray) apply(v View) {
	systray.SetTooltip(v.Tooltip)
	if v.RevokeControl != t.menu.control {
		t.menu.control = v.RevokeControl
		c := colorSharing
		if v.RevokeControl {
			c = colorControl
		}
		systray.SetIcon(iconBytes(c))
	}
	show(t.menu.stop, v.Stop)
	if v.PauseLabel != "" {
		t.menu.pause.SetTitle(v.PauseLabel)
	}
	show(t.menu.pause, v.PauseLabel != "")
	show(t.menu.revoke, v.RevokeControl)
	show(t.menu.keep, v.KeepSharing)
}

func show(item *systray.MenuItem, on bool) {
	if on {
		item.Show()
	} else {
		item.Hide()
	}
}

// clicks turns menu clicks into daemon actions until Close.
func (t *Tray) clicks() {
	defer t.wg.Done()
	m := t.menu
	for {
		select {
		case <-t.done:
			return
		case <-m.stop.ClickedCh:
			call(t.actions.Stop)
		case <-m.revoke.ClickedCh:
			call(t.actions.RevokeControl)
		case <-m.keep.ClickedCh:
			call(t.actions.KeepSharing)
		case <-m.pause.ClickedCh:
			if t.View().Paused {
				call(t.actions.Resume)
			} else {
				call(t.actions.Pause)
			}
		}
	}
}
