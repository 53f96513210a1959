//go:build linux

// Package pgtest runs a throw-away PostgreSQL 15 server for tests: initdb
// into a fresh directory under the system's temporary directory, the
// server listening only on a Unix socket there, fsync off. As root (initdb
// refuses to run as root) the server runs as the postgres user. A missing
// PostgreSQL fails the test, never skips it: `make deps` installs it.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// BinDir is where Debian's postgresql-15 puts initdb and postgres.
const BinDir = "/usr/lib/postgresql/15/bin"

// Server is a running throw-away PostgreSQL.
type Server struct {
	dir  string
	sock string
	cmd  *exec.Cmd
	n    atomic.Int64
	done chan struct{}
}

// Start initialises a new cluster and starts its server.
func Start() (*Server, error) {
	if _, err := os.Stat(filepath.Join(BinDir, "initdb")); err != nil {
		return nil, fmt.Errorf("pgtest: PostgreSQL 15 is not installed (%s/initdb missing): run make deps (Debian package postgresql-15)", BinDir)
	}
	// As root the server runs as postgres, which must reach the directory:
	// /tmp, not a temporary directory that may sit under root's home.
	base := ""
	if os.Geteuid() == 0 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "quickhelp-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, sock: filepath.Join(dir, "sock"), done: make(chan struct{})}
	cred, err := s.prepare()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(BinDir, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin", "LANG=C"}
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.cmd = exec.Command(filepath.Join(BinDir, "postgres"), "-D", data, "-k", s.sock,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=32MB",
		"-c", "unix_socket_permissions=0777")
	s.cmd.Env = initdb.Env
	s.cmd.Stdout, s.cmd.Stderr = log, log
	// SIGQUIT is PostgreSQL's immediate shutdown: if the test process dies,
	// the server does not outlive it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := s.cmd.Start(); err != nil {
		log.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	go func() {
		_ = s.cmd.Wait()
		log.Close()
		close(s.done)
	}()
	if err := s.waitReady(15 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// prepare makes the socket directory and, as root, hands the directory to
// the postgres user and returns its credentials.
func (s *Server) prepare() (*syscall.Credential, error) {
	if err := os.Mkdir(s.sock, 0o755); err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs the postgres user (Debian package postgresql-15): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, p := range []string{s.dir, s.sock} {
		if err := os.Chown(p, uid, gid); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		db, err := sql.Open("pgx", s.URL("postgres"))
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
			return fmt.Errorf("pgtest: postgres exited:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres not ready after %v: %w", limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the connection URL of database name (user postgres, Unix socket).
func (s *Server) URL(name string) string {
	return "postgres://postgres@/" + name + "?host=" + url.QueryEscape(s.sock) + "&sslmode=disable"
}

// CreateDatabase makes a new empty database and returns its URL.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d", s.n.Add(1))
	db, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0`); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return s.URL(name), nil
}

// Stop shuts the server down at once and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	os.RemoveAll(s.dir)
}

// shared is the server of a test binary that called Main.
var shared struct {
	mu  sync.Mutex
	srv *Server
	err error
	on  bool
}

// Main runs the tests of a package whose tests call Database, and stops
// the shared server (started by the first Database call) afterwards:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.on = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	return code
}

// Database returns the URL of a new empty database on the test binary's
// shared server, starting it on first use. The test fails when
// PostgreSQL cannot run.
func Database(t testing.TB) string {
	t.Helper()
	shared.mu.Lock()
	if !shared.on {
		shared.mu.Unlock()
		t.Fatal("pgtest: the package's TestMain must call pgtest.Main")
	}
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = Start()
	}
	srv, err := shared.srv, shared.err
	shared.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	u, err := srv.CreateDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u
}
