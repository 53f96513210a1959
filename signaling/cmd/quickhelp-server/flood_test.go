package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// buildServer builds quickhelp-server into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quickhelp-server")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServerProcess runs the quickhelp-server binary on a loopback port
// with data directory data and TURN off; it returns the base URL and the
// process, stopped when the test ends.
func startServerProcess(t *testing.T, bin, data string) (string, *os.Process) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--listen", "127.0.0.1:0", "--turn-listen", "off")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				urls <- line.URL
			}
		}
	}()
	select {
	case u := <-urls:
		return u, cmd.Process
	case <-time.After(30 * time.Second):
		t.Fatal("quickhelp-server did not start serving")
		return "", nil
	}
}

// peakRSS returns a process's peak resident set size (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", l, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestLoginFloodBounded sends 300 concurrent sign-ins with unknown e-mails
// from one address to the real quickhelp-server process: attempts are
// counted before the argon2id work and hashes in flight are bounded, so at
// most 10 are answered 401 (the per-address limit a minute), the rest 429,
// and the process's peak RSS grows by less than 256 MiB (it grew by about
// 5 GiB when every attempt ran its own 19 MiB hash).
func TestLoginFloodBounded(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if testing.Short() {
		t.Skip("builds and floods the real server")
	}
	base, proc := startServerProcess(t, buildServer(t), t.TempDir())
	before := peakRSS(t, proc.Pid)

	const n = 300
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	statuses := make(chan int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body, _ := json.Marshal(wire.LoginRequest{Email: fmt.Sprintf("nobody%d@example.com", i), Password: "guess-" + strconv.Itoa(i)})
			<-start
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, base+wire.PathLogin, bytes.NewReader(body))
			resp, err := client.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				statuses <- -1
				return
			}
			statuses <- resp.StatusCode
		}(i)
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	growth := peakRSS(t, proc.Pid) - before
	t.Logf("statuses %v, peak RSS growth %d MiB", count, growth>>20)
	if count[http.StatusUnauthorized] < 1 || count[http.StatusUnauthorized] > 10 {
		t.Errorf("%d × 401 from one address, want 1..10", count[http.StatusUnauthorized])
	}
	if count[http.StatusTooManyRequests] != n-count[http.StatusUnauthorized] {
		t.Errorf("statuses %v, want every other answer 429 with Retry-After", count)
	}
	if growth >= 256<<20 {
		t.Errorf("peak RSS grew by %d MiB, want under 256 MiB", growth>>20)
	}
}
