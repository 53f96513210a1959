//go:build linux

package cluster

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/signaling/store/pgtest"
	"github.com/quickhelp/quickhelp/wire"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	helperEmail = "helper@cluster.example"
	adminEmail  = "admin@cluster.example"
	password    = "cluster-test-password"
)

// fixture is a cluster: PostgreSQL, NATS, three service nodes and a load
// balancer (haproxy) with two front ports, one preferring node 1 (the
// helper's way in) and one preferring node 2 (the sharer's); when the
// preferred node is down or draining, the next one takes over.
type fixture struct {
	t        *testing.T
	bin      string
	dbURL    string
	natsURL  string
	nodes    [3]*node
	lbHelper string   // http://... preferring node 1, then 3, then 2
	lbSharer string   // http://... preferring node 2, then 3, then 1
	args     []string // more flags for every node
}

type node struct {
	name       string
	addr       string // HTTP listen address
	turnAddr   string // TURN UDP/TCP
	dir        string
	cmd        *exec.Cmd
	done       chan struct{}
	mu         sync.Mutex
	log        strings.Builder
	exitStatus error
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func need(t *testing.T, prog, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		t.Fatalf("%s is not installed: run make deps (Debian package %s)", prog, pkg)
	}
	return p
}

// newFixture starts the whole cluster; everything stops at the test's end.
// args are more flags for every node's serve.
func newFixture(t *testing.T, args ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, args: args}
	need(t, "nats-server", "nats-server")
	need(t, "haproxy", "haproxy")
	dir := t.TempDir()
	f.bin = filepath.Join(dir, "quickhelp-server")
	if out, err := exec.Command("go", "build", "-o", f.bin, "../../signaling/cmd/quickhelp-server").CombinedOutput(); err != nil {
		t.Fatalf("go build quickhelp-server: %v\n%s", err, out)
	}
	f.dbURL = pgtest.Database(t)
	f.seed()
	f.natsURL = startNATS(t)
	for i := range f.nodes {
		f.nodes[i] = &node{name: fmt.Sprintf("node%d", i+1), dir: filepath.Join(dir, fmt.Sprintf("node%d", i+1)),
			addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), turnAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
		f.start(f.nodes[i])
	}
	f.startLB(dir)
	return f
}

// seed creates the organisation, a helper and an admin in the shared
// database, as `quickhelp-server user add` would.
func (f *fixture) seed() {
	ctx := context.Background()
	st, err := store.OpenPostgres(ctx, f.dbURL)
	if err != nil {
		f.t.Fatal(err)
	}
	defer st.Close()
	for _, u := range []server.NewUser{
		{Email: helperEmail, FirstName: "Alex", LastName: "Parker", Org: "Cluster", Role: wire.RoleHelper, Password: password},
		{Email: adminEmail, FirstName: "Sam", LastName: "Admin", Org: "Cluster", Role: wire.RoleAdmin, Password: password},
	} {
		if _, err := server.AddUser(ctx, st, u, time.Now()); err != nil {
			f.t.Fatal(err)
		}
	}
}

func startNATS(t *testing.T) string {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command("nats-server", "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", port))
	return fmt.Sprintf("nats://127.0.0.1:%d", port)
}

func waitTCP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept connections: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// start runs a node's server process and waits until it is healthy.
func (f *fixture) start(n *node) {
	f.t.Helper()
	if err := os.MkdirAll(n.dir, 0o700); err != nil {
		f.t.Fatal(err)
	}
	n.cmd = exec.Command(f.bin, "serve", "--listen", n.addr, "--data", n.dir, "--turn-listen", n.turnAddr,
		"--database-url", f.dbURL, "--nats-url", f.natsURL, "--resume-window", "20s", "--log-level", "debug")
	n.cmd.Args = append(n.cmd.Args, f.args...)
	n.cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + n.dir}
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := n.cmd.StderrPipe()
	if err != nil {
		f.t.Fatal(err)
	}
	n.done = make(chan struct{})
	if err := n.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			n.mu.Lock()
			n.log.WriteString(sc.Text() + "\n")
			n.mu.Unlock()
		}
		err := n.cmd.Wait()
		n.mu.Lock()
		n.exitStatus = err
		n.mu.Unlock()
		close(n.done)
	}()
	f.t.Cleanup(func() {
		_ = n.cmd.Process.Kill()
		<-n.done
		if f.t.Failed() {
			f.t.Logf("%s log:\n%s", n.name, n.logText())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + n.addr + wire.PathHealth)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-n.done:
			f.t.Fatalf("%s exited at start: %v\n%s", n.name, n.exitStatus, n.logText())
		default:
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%s not healthy: %v\n%s", n.name, err, n.logText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (n *node) logText() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log.String()
}

// signal sends sig to the node and waits for it to exit.
func (n *node) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not exit after %v", n.name, sig)
	}
}

const haproxyConfig = `global
	maxconn 2000
defaults
	mode http
	timeout connect 1s
	timeout client 1h
	timeout server 1h
	timeout tunnel 1h
	option redispatch
	retries 3
	retry-on all-retryable-errors
	default-server inter 250ms fall 1 rise 2
frontend helper
	bind %s
	default_backend prefer1
frontend sharer
	bind %s
	default_backend prefer2
backend prefer1
	option httpchk GET /healthz
	server n1 %s check
	server n3 %s check backup
	server n2 %s check backup
backend prefer2
	option httpchk GET /healthz
	server n2 %s check
	server n3 %s check backup
	server n1 %s check backup
`

func (f *fixture) startLB(dir string) {
	f.t.Helper()
	a, b := fmt.Sprintf("127.0.0.1:%d", freePort(f.t)), fmt.Sprintf("127.0.0.1:%d", freePort(f.t))
	n1, n2, n3 := f.nodes[0].addr, f.nodes[1].addr, f.nodes[2].addr
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(haproxyConfig, a, b, n1, n3, n2, n2, n3, n1)), 0o600); err != nil {
		f.t.Fatal(err)
	}
	cmd := exec.Command("haproxy", "-db", "-f", cfg)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if f.t.Failed() {
			f.t.Logf("haproxy:\n%s", out.String())
		}
	})
	waitTCP(f.t, a)
	waitTCP(f.t, b)
	f.lbHelper, f.lbSharer = "http://"+a, "http://"+b
	time.Sleep(time.Second) // health checks rise
}

// metric reads one value of a node's /metrics.
func (n *node) metric(t *testing.T, name string) int64 {
	t.Helper()
	resp, err := http.Get("http://" + n.addr + wire.PathMetrics)
	if err != nil {
		t.Fatalf("%s metrics: %v", n.name, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	t.Fatalf("%s metrics: no %s", n.name, name)
	return 0
}
