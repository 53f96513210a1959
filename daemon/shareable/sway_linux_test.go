package shareable

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// nobody is the user sway runs as when the tests run as root: sway refuses
// to start as root.
const nobody = 65534

// TestSwaySessionIsWayland starts a real Wayland compositor (headless sway
// with XWayland) and reads the environment it gives the programs it starts:
// XWayland's DISPLAY is there, and the session is still told apart as
// Wayland and refused.
func TestSwaySessionIsWayland(t *testing.T) {
	swayBin, err := exec.LookPath("sway")
	if err != nil {
		t.Fatal("sway is not installed (make deps installs it): ", err)
	}
	env := swayEnv(t, swayBin)
	if env["WAYLAND_DISPLAY"] == "" || env["DISPLAY"] == "" {
		t.Fatalf("sway's programs got WAYLAND_DISPLAY=%q DISPLAY=%q, want both (XWayland on)", env["WAYLAND_DISPLAY"], env["DISPLAY"])
	}
	get := func(k string) string { return env[k] }
	if got := Session(get, ""); got != KindWayland {
		t.Errorf("Session in sway = %v, want %v", got, KindWayland)
	}
	if got := Session(get, env["DISPLAY"]); got != KindWayland {
		t.Errorf("Session in sway naming XWayland's display %s = %v, want %v", env["DISPLAY"], got, KindWayland)
	}
	if got := Check(get, ""); got != wire.ReasonWaylandUnsupported {
		t.Errorf("Check in sway = %q, want %q", got, wire.ReasonWaylandUnsupported)
	}
}

// swayEnv runs sway headless until a program it starts has written its
// environment, and returns that environment.
func swayEnv(t *testing.T, swayBin string) map[string]string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qh-sway-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	run := filepath.Join(dir, "run")
	out := filepath.Join(dir, "env.txt")
	config := "xwayland enable\nexec env > " + out + ".tmp && mv " + out + ".tmp " + out + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, swayBin, "-c", filepath.Join(dir, "config"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_RUNTIME_DIR=" + run,
		"WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1", "WLR_RENDERER=pixman"}
	logFile, err := os.Create(filepath.Join(dir, "sway.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	log := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	if os.Geteuid() == 0 {
		for _, p := range []string{dir, run} {
			if err := os.Chown(p, nobody, nobody); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("sway exited (%v) before starting a program:\n%s", err, log())
		case <-ctx.Done():
			t.Fatalf("sway started no program within 30 s:\n%s", log())
		case <-tick.C:
		}
		b, err := os.ReadFile(out)
		if err != nil {
			continue
		}
		env := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				env[k] = v
			}
		}
		return env
	}
}
