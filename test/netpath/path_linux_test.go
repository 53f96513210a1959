//go:build linux

package netpath

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/signaling/edge/edgetest"
)

// testDisplay is this package's Xvfb display (reserved in the table of
// daemon/x11/xvfb).
const testDisplay = 115

func TestMain(m *testing.M) {
	if os.Getenv(envHelper) == "1" {
		os.Exit(runHelperChild())
	}
	if os.Getenv(envResil) == "1" {
		os.Exit(runResilChild())
	}
	if os.Getenv(envImpair) == "1" {
		os.Exit(runImpairChild())
	}
	os.Exit(m.Run())
}

// proc is a started program whose output lines are kept for assertions
// and failure reports.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  []string
	cond *sync.Cond
	done bool
}

func start(t *testing.T, name string, env []string, stdin io.Reader, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(args[0], args[1:]...)}
	p.cond = sync.NewCond(&p.mu)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdin = stdin
	r, w := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.out = append(p.out, sc.Text())
			p.cond.Broadcast()
			p.mu.Unlock()
		}
		p.mu.Lock()
		p.done = true
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	go func() { _ = p.cmd.Wait(); _ = w.Close() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if t.Failed() {
			p.mu.Lock()
			t.Logf("--- %s output:\n%s", name, strings.Join(p.out, "\n"))
			p.mu.Unlock()
		}
	})
	return p
}

// waitLine returns the first output line containing want, failing after
// limit or when the program exits.
func (p *proc) waitLine(t *testing.T, want string, limit time.Duration) string {
	t.Helper()
	line, _ := p.waitAfter(t, 0, want, limit)
	return line
}

// mark is the number of output lines so far: waitAfter looks only at
// lines printed after it.
func (p *proc) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.out)
}

// waitAfter returns the first line after from containing want and its
// index, failing after limit or when the program exits.
func (p *proc) waitAfter(t *testing.T, from int, want string, limit time.Duration) (string, int) {
	t.Helper()
	deadline := time.Now().Add(limit)
	timer := time.AfterFunc(limit, func() { p.mu.Lock(); p.cond.Broadcast(); p.mu.Unlock() })
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := from; ; {
		for ; i < len(p.out); i++ {
			if strings.Contains(p.out[i], want) {
				return p.out[i], i
			}
		}
		if p.done {
			t.Fatalf("%s exited before printing %q", p.name, want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %q within %v", p.name, want, limit)
		}
		p.cond.Wait()
	}
}

// fixture is what every scenario shares: programs, the CA, the desktop.
type fixture struct {
	serverBin, sharerBin, self string
	caFile, certFile, keyFile  string
}

func buildPrograms(t *testing.T) fixture {
	t.Helper()
	dir := t.TempDir()
	var f fixture
	f.serverBin, f.sharerBin = filepath.Join(dir, "quickhelp-server"), filepath.Join(dir, "quickhelp-sharer")
	for bin, pkg := range map[string]string{f.serverBin: "../../signaling/cmd/quickhelp-server", f.sharerBin: "../../daemon/cmd/quickhelp-sharer"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	var err error
	if f.self, err = os.Executable(); err != nil {
		t.Fatal(err)
	}
	ca := edgetest.NewCA(t)
	f.caFile, f.certFile, f.keyFile = ca.WriteFiles(t, dir, ca.Issue(t, serviceIP))
	return f
}

// animate keeps the shared screen changing so the sharer has frames to
// send, until the test ends.
func animate(t *testing.T, display string) {
	t.Helper()
	p, err := xvfb.NewPainter(display)
	if err != nil {
		t.Fatalf("painter: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := uint32(0); ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_ = p.Fill(int(i%20)*30, 100, 200, 200, 0x102030*(i%7+1))
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done; p.Close() })
}

type scenario struct {
	name   string
	office bool     // the sharer's router lets only TCP 443 out
	server []string // extra quickhelp-server flags
	check  func(t *testing.T, helper helperResult, sharerPath string)
}

// TestFieldNetworks runs a session end to end across two NATs with the
// real service and sharer programs and the helper's real viewer: video
// arrives, control is granted and the helper's pointer move is injected on
// the sharer's screen, and the ICE candidate pair is the one each network
// leads to.
func TestFieldNetworks(t *testing.T) {
	f, display := programsAndDesktop(t)
	n := newNetwork(t)

	scenarios := []scenario{
		// Host addresses are unreachable across the NATs, so a direct pair
		// exists only because each side learnt its public mapping from the
		// service's STUN answer and sent checks to the other's.
		{name: "both NATs allow UDP: direct pair through STUN", check: func(t *testing.T, h helperResult, sp string) {
			if h.Path.Local == "relay" || h.Path.Remote == "relay" {
				t.Errorf("helper path %+v, want a direct pair", h.Path)
			}
			// The sharer's host address is behind its NAT, so a direct
			// pair must use its public (server or peer reflexive) one.
			if h.Path.Remote != "srflx" && h.Path.Remote != "prflx" {
				t.Errorf("helper's remote candidate %q, want srflx or prflx", h.Path.Remote)
			}
			if strings.Contains(sp, "local=relay") {
				t.Errorf("sharer path %q, want direct", sp)
			}
		}},
		{name: "office firewall: TURN over TLS on 443", office: true, check: func(t *testing.T, h helperResult, sp string) {
			if h.Path.Remote != "relay" {
				t.Errorf("helper's remote candidate %q, want the sharer's relay", h.Path.Remote)
			}
			if !strings.Contains(sp, "local=relay") || !strings.Contains(sp, "relay_protocol=tls") {
				t.Errorf("sharer path %q, want a relay reached over TLS", sp)
			}
			if drops := n.officeUDPDrops(t); drops == 0 {
				t.Errorf("the office firewall dropped no UDP: the sharer never tried it")
			}
		}},
		{name: "--ice-policy relay: relay on both sides", server: []string{"--ice-policy", "relay"}, check: func(t *testing.T, h helperResult, sp string) {
			if h.Policy != "relay" {
				t.Errorf("session policy %q, want relay", h.Policy)
			}
			if h.Path.Local != "relay" || h.Path.Remote != "relay" {
				t.Errorf("helper path %+v, want relay to relay", h.Path)
			}
			if !strings.Contains(sp, "local=relay") || !strings.Contains(sp, "remote=relay") || !strings.Contains(sp, "ice_policy=relay") {
				t.Errorf("sharer path %q, want relay to relay under the relay policy", sp)
			}
		}},
	}
	for i, sc := range scenarios {
		if !t.Run(sc.name, func(t *testing.T) { runScenario(t, f, n, display, i, sc) }) {
			return
		}
	}
}

func runScenario(t *testing.T, f fixture, n *network, display string, idx int, sc scenario) {
	// The pointer starts elsewhere, so only this scenario's input can put
	// it where the helper points.
	mv := exec.Command("xdotool", "mousemove", "600", "20")
	mv.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := mv.CombinedOutput(); err != nil {
		t.Fatalf("xdotool mousemove: %v %s", err, out)
	}
	if sc.office {
		n.officeFirewall(t)
		t.Cleanup(func() { nsRun(t, n.rs, "nft", "delete", "table", "inet", "qhoffice") })
	}
	helper := startHelper(t, f, n, []string{envHelper + "=1"}, sc.server...)
	code := strings.TrimPrefix(helper.waitLine(t, "CODE ", 20*time.Second), "CODE ")
	sharer, sock := joinSharer(t, f, n, display, code)
	helper.waitLine(t, "CONTROL-REQUESTED", 45*time.Second)
	allow(t, f.sharerBin, sock, "allow-control")

	line := helper.waitLine(t, "RESULT ", 20*time.Second)
	var res helperResult
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "RESULT ")), &res); err != nil {
		t.Fatalf("helper result %q: %v", line, err)
	}
	if res.Error != "" {
		t.Fatalf("helper: %s", res.Error)
	}
	if res.Frames < minFrames || res.Bytes == 0 {
		t.Fatalf("helper received %d frames (%d bytes), want at least %d", res.Frames, res.Bytes, minFrames)
	}
	if !res.Control {
		t.Fatal("control was not granted")
	}
	waitPointer(t, display, 640*pointerX, 480*pointerY)
	sharerPath := sharer.waitLine(t, `msg="media path"`, 10*time.Second)
	t.Logf("scenario %d: helper %+v policy %q; sharer %s", idx+1, res.Path, res.Policy, sharerPath)
	sc.check(t, res, sharerPath)
}

// waitPointer waits until the X pointer of display is at (x, y): the
// helper's input crossed the network path and was injected.
func waitPointer(t *testing.T, display string, x, y float64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var out []byte
	for time.Now().Before(deadline) {
		cmd := exec.Command("xdotool", "getmouselocation")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		var err error
		if out, err = cmd.Output(); err != nil {
			t.Fatalf("xdotool getmouselocation: %v", err)
		}
		var px, py int
		if _, err := fmt.Sscanf(string(out), "x:%d y:%d", &px, &py); err == nil &&
			math.Abs(float64(px)-x) <= 2 && math.Abs(float64(py)-y) <= 2 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the pointer is at %q, want x:%.0f y:%.0f (the helper's input did not arrive)", out, x, y)
}

// allow answers the sharer's question (screen or control) through its
// local API, as the "allow" and "allow-control" commands do, once the
// question is pending.
func allow(t *testing.T, bin, sock, cmd string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := exec.Command(bin, "--socket", sock, cmd).CombinedOutput()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("quickhelp-sharer %s: %v %s", cmd, err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// shortDir is a temporary directory with a short path (unix socket paths
// are limited to about 100 bytes).
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "qhnp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}
