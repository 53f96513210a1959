//go:build linux

package netpath

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
)

// startScreen starts Xvfb on the package's display at width×height until
// the test ends.
func startScreen(t *testing.T, ctx context.Context, width, height int) *xvfb.Server {
	t.Helper()
	x, err := xvfb.Start(ctx, testDisplay, width, height)
	if err != nil {
		t.Fatalf("xvfb.Start(%d) = %v", testDisplay, err)
	}
	t.Cleanup(x.Close)
	return x
}

// programsAndDesktop builds the programs and starts a changing 640×480
// screen for the sharer, failing the test where a tool is missing. It
// returns the programs and the screen's display.
func programsAndDesktop(t *testing.T) (fixture, string) {
	t.Helper()
	requireTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := buildPrograms(t)
	x := startScreen(t, ctx, 640, 480)
	animate(t, x.Display)
	return f, x.Display
}

// startHelper starts the service in the public namespace on fresh demo
// data (serve's flags plus extra), waits until it serves, then starts the
// helper child in the helper's namespace, signed in as the demo helper,
// with childEnv choosing what it does. The child runs until its standard
// input closes, when the test ends.
func startHelper(t *testing.T, f fixture, n *network, childEnv []string, extra ...string) *proc {
	t.Helper()
	data := t.TempDir()
	if out, err := exec.Command(f.serverBin, "demo", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v %s", err, out)
	}
	pw, err := os.ReadFile(filepath.Join(data, "demo-password.txt"))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"ip", "netns", "exec", n.pub, f.serverBin, "serve", "--data", data,
		"--listen", serviceIP + ":443", "--tls-cert", f.certFile, "--tls-key", f.keyFile,
		"--turn-listen", serviceIP + ":3478", "--dev", "false"}, extra...)
	srv := start(t, "quickhelp-server", nil, nil, args...)
	srv.waitLine(t, `"msg":"serving"`, 20*time.Second)

	hr, hw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hw.Close(); hr.Close() })
	env := append([]string{envServer + "=https://" + serviceIP, envEmail + "=alex@example.com",
		envPassword + "=" + strings.TrimSpace(string(pw)), "SSL_CERT_FILE=" + f.caFile}, childEnv...)
	return start(t, "helper", env, hr, "ip", "netns", "exec", n.hlp, f.self, "-test.run=^$")
}

// joinSharer starts the sharer program in its namespace on display, joins
// with code and allows the screen through its local socket, which it
// returns. QH_NETPATH_SHARER_LOG=debug shows the sharer's socket and ICE
// detail when a run fails; unset means the default level.
func joinSharer(t *testing.T, f fixture, n *network, display, code string) (sharer *proc, sock string) {
	t.Helper()
	sock = filepath.Join(shortDir(t), "sharer.sock")
	sharer = start(t, "quickhelp-sharer", []string{"SSL_CERT_FILE=" + f.caFile, "DISPLAY=" + display},
		nil, "ip", "netns", "exec", n.sharer, f.sharerBin, "join", code, "--server", "https://"+serviceIP,
		"--socket", sock, "--display", display, "--consent", "local", "--log-level", os.Getenv("QH_NETPATH_SHARER_LOG"))
	allow(t, f.sharerBin, sock, "allow")
	return sharer, sock
}
