package actions

import (
	"context"
	"fmt"
	"os/exec"
	"syscall"

	"github.com/godbus/dbus/v5"
)

// DefaultTaskManagers are the desktops' own process monitors, first
// installed wins; a terminal running top is the last resort where none of
// them is installed.
var DefaultTaskManagers = []Command{
	{Name: "gnome-system-monitor"},
	{Name: "plasma-systemmonitor"},
	{Name: "ksysguard"},
	{Name: "mate-system-monitor"},
	{Name: "xfce4-taskmanager"},
	{Name: "lxtask"},
	{Name: "qps"},
	{Name: "xterm", Args: []string{"-title", "top", "-e", "top"}, Needs: []string{"top"}},
}

// detach puts the program in a session of its own, so the daemon's
// terminal and signals do not reach it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

func start(cmd *exec.Cmd) error { return cmd.Start() }

// Logind restarts the computer through systemd-logind on the system bus
// (org.freedesktop.login1.Manager.Reboot), which lets a user signed in at
// the computer restart it, asking polkit where the policy says so.
type Logind struct {
	// Address is the bus to use; "" means the system bus.
	Address string
}

func newSystemRebooter() Rebooter { return Logind{} }

const (
	logindName = "org.freedesktop.login1"
	logindPath = "/org/freedesktop/login1"
	logindMgr  = "org.freedesktop.login1.Manager"
)

// conn opens a private connection bounded by ctx.
func (l Logind) conn(ctx context.Context) (*dbus.Conn, error) {
	if l.Address == "" {
		return dbus.ConnectSystemBus(dbus.WithContext(ctx))
	}
	return dbus.Connect(l.Address, dbus.WithContext(ctx))
}

// CanReboot asks logind: "yes" and "challenge" (polkit asks) count.
func (l Logind) CanReboot(ctx context.Context) bool {
	c, err := l.conn(ctx)
	if err != nil {
		return false
	}
	defer c.Close()
	var answer string
	if err := c.Object(logindName, logindPath).CallWithContext(ctx, logindMgr+".CanReboot", 0).Store(&answer); err != nil {
		return false
	}
	return answer == "yes" || answer == "challenge"
}

// Reboot asks logind to restart now (interactive: polkit may ask).
func (l Logind) Reboot(ctx context.Context) error {
	c, err := l.conn(ctx)
	if err != nil {
		return fmt.Errorf("actions: system bus: %w", err)
	}
	defer c.Close()
	if err := c.Object(logindName, logindPath).CallWithContext(ctx, logindMgr+".Reboot", 0, true).Err; err != nil {
		return fmt.Errorf("actions: logind reboot: %w", err)
	}
	return nil
}
