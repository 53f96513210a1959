package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/signaling/store/pgtest"
	"github.com/quickhelp/quickhelp/wire"
)

// cluster is -cluster N: a throw-away PostgreSQL, a nats-server and N
// quickhelp-server processes built from this tree, each with its own data
// directory, sharing the two URLs.
type cluster struct {
	urls  []string
	pg    *pgtest.Server
	procs []*exec.Cmd
	dir   string
}

// clusterSessionsPerHelper keeps each helper under its 20 codes a minute.
const clusterSessionsPerHelper = 15

// clusterEmail is worker w's helper e-mail pattern (%d: 1..helpers).
func clusterEmail(w int) string { return fmt.Sprintf("load-%d-%%d@example.com", w) }

func startCluster(ctx context.Context, n, workers, helpers int) (*cluster, error) {
	if n < 2 {
		return nil, fmt.Errorf("-cluster needs at least 2 nodes")
	}
	nats, err := exec.LookPath("nats-server")
	if err != nil {
		return nil, fmt.Errorf("nats-server is not installed: run make deps")
	}
	dir, err := os.MkdirTemp("", "quickhelp-load-cluster-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir}
	ok := false
	defer func() {
		if !ok {
			c.close()
		}
	}()
	bin := filepath.Join(dir, "quickhelp-server")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./signaling/cmd/quickhelp-server").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build quickhelp-server (run from the module root): %w\n%s", err, out)
	}
	if c.pg, err = pgtest.Start(); err != nil {
		return nil, err
	}
	dbURL, err := c.pg.CreateDatabase(ctx)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenPostgres(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	err = seedHelpers(ctx, st, workers, helpers)
	st.Close()
	if err != nil {
		return nil, err
	}
	natsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(natsAddr)
	if err := c.spawn(exec.Command(nats, "-a", "127.0.0.1", "-p", port)); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		conn, err := net.Dial("tcp", natsAddr)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("nats-server does not listen: %w", err)
		}
	}
	for i := range n {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		data := filepath.Join(dir, "node"+strconv.Itoa(i+1))
		if err := os.Mkdir(data, 0o700); err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "serve", "--listen", addr, "--data", data, "--turn-listen", "off", "--trust-proxy-header",
			"--database-url", dbURL, "--nats-url", "nats://"+natsAddr, "--log-level", "warn")
		if err := c.spawn(cmd); err != nil {
			return nil, err
		}
		c.urls = append(c.urls, "http://"+addr)
	}
	for _, u := range c.urls {
		if err := waitHealthy(ctx, u); err != nil {
			return nil, err
		}
	}
	ok = true
	return c, nil
}

func (c *cluster) spawn(cmd *exec.Cmd) error {
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.procs = append(c.procs, cmd)
	return nil
}

func (c *cluster) close() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		_ = c.procs[i].Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = c.procs[i].Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = c.procs[i].Process.Kill()
			<-done
		}
	}
	if c.pg != nil {
		c.pg.Stop()
	}
	os.RemoveAll(c.dir)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(ctx context.Context, base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + wire.PathHealth)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not healthy: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// seedHelpers creates each worker's helpers, each in an organisation of
// its own (session creation is also limited per organisation).
func seedHelpers(ctx context.Context, st *store.Store, workers, helpers int) error {
	for w := range workers {
		for k := 1; k <= helpers; k++ {
			email := fmt.Sprintf(clusterEmail(w), k)
			if _, err := server.AddUser(ctx, st, server.NewUser{Email: email, FirstName: "Load", LastName: "Bench",
				Org: "Bench " + email, Role: wire.RoleHelper, Password: benchPassword}, time.Now()); err != nil {
				return err
			}
		}
	}
	return nil
}
