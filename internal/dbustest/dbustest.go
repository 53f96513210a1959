//go:build linux

// Package dbustest runs a private D-Bus bus (Debian's dbus-daemon) for
// tests that talk to a real bus: the tray's StatusNotifierItem and the
// daemon's systemd-logind calls. Tests only.
package dbustest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%BUS%</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Start runs a private bus until the test ends and returns its address and
// the directory holding its socket (named "bus"). A missing dbus-daemon
// fails the test: there is nothing to test against.
func Start(t *testing.T) (addr, dir string) {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Fatalf("dbus-daemon is not installed (Debian package dbus, installed by scripts/deps.sh): %v", err)
	}
	dir = t.TempDir()
	cfg := filepath.Join(dir, "bus.conf")
	conf := strings.Replace(busConfig, "%BUS%", filepath.Join(dir, "bus"), 1)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+cfg, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addrCh := make(chan string, 1)
	go func() { // ends when dbus-daemon prints its address or exits
		line, _ := bufio.NewReader(out).ReadString('\n')
		addrCh <- strings.TrimSpace(line)
	}()
	select {
	case addr = <-addrCh:
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon printed no address")
	}
	if addr == "" {
		t.Fatal("dbus-daemon exited without an address")
	}
	return addr, dir
}
