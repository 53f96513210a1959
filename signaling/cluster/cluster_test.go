package cluster

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/server"
)

var _ server.Relay = (*Relay)(nil)

// startNATS runs a real nats-server on a free loopback port.
func startNATS(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("nats-server"); err != nil {
		t.Fatal("nats-server is not installed: run make deps (Debian package nats-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("nats-server", "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "nats://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatal("nats-server does not listen")
		}
	}
}

func dial(t *testing.T, url string) *Relay {
	t.Helper()
	r, err := Dial(Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// TestRelay: events reach the other node and not the sender, presence is
// answered by the holding node only, and an absent role costs no timeout.
func TestRelay(t *testing.T) {
	url := startNATS(t)
	a, b := dial(t, url), dial(t, url)
	got := make(chan string, 4)
	leaveA, err := a.Join("0123abcd", func(ev []byte) { got <- "a:" + string(ev) })
	if err != nil {
		t.Fatal(err)
	}
	defer leaveA()
	leaveB, err := b.Join("0123abcd", func(ev []byte) { got <- "b:" + string(ev) })
	if err != nil {
		t.Fatal(err)
	}
	defer leaveB()
	if err := b.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish("0123abcd", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-got:
		if g != "b:hello" {
			t.Fatalf("delivered %q, want b:hello (not echoed to a)", g)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("event not delivered")
	}

	start := time.Now()
	if n := a.Present(context.Background(), "0123abcd", "sharer"); n != "" {
		t.Fatalf("Present(nobody) = %q", n)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Present with no holder took %v; want the no-responders answer at once", d)
	}
	release, err := b.Hold("0123abcd", "sharer")
	if err != nil {
		t.Fatal(err)
	}
	_ = b.nc.Flush()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n := a.Present(ctx, "0123abcd", "sharer"); n != b.Node() {
		t.Fatalf("Present = %q, want b's node %q", n, b.Node())
	}
	release()
	_ = b.nc.Flush()
	if n := a.Present(ctx, "0123abcd", "sharer"); n != "" {
		t.Errorf("Present after release = %q", n)
	}
	if !a.Alive(b.Node()) || !a.Alive(a.Node()) {
		t.Error("a live node is not Alive")
	}
	if _, err := a.Join("bad.subject", func([]byte) {}); err == nil {
		t.Error("Join accepted a session id with a subject separator")
	}
}
