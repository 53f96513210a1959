package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quickhelp/quickhelp/signaling/ratelimit"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

const (
	benchEmail    = "load@example.com"
	benchPassword = "load-bench-password"
)

// localServer is the service started in-process.
type localServer struct {
	url   string
	srv   *server.Server
	http  *http.Server
	store *store.Store
	dir   string
	wg    sync.WaitGroup
}

func startLocal(ctx context.Context) (*localServer, error) {
	dir, err := os.MkdirTemp("", "quickhelp-load-")
	if err != nil {
		return nil, err
	}
	st, err := store.Open(filepath.Join(dir, "load.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	fail := func(err error) (*localServer, error) { st.Close(); os.RemoveAll(dir); return nil, err }
	if _, err := server.AddUser(ctx, st, server.NewUser{Email: benchEmail, FirstName: "Load", LastName: "Bench",
		Org: "Bench", Role: wire.RoleHelper, Password: benchPassword}, time.Now()); err != nil {
		return fail(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	// One helper creates every session of the run and every worker signs
	// in from loopback at once: lift the per-helper and per-organisation
	// creation limits and let sign-ins queue, limits that protect real
	// deployments from a single client.
	lots := []ratelimit.Rule{{Window: time.Minute, Max: 1 << 30}}
	srv, err := server.New(server.Config{Store: st, Secret: secret, Logger: slog.New(slog.DiscardHandler), PurgeInterval: -1,
		HelperCreates: lots, OrgCreates: lots,
		LoginHashes: ratelimit.InFlightConfig{PerKey: 256, Slots: 2, Waiting: 256, Wait: time.Minute}})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return fail(err)
	}
	l := &localServer{url: "http://" + ln.Addr().String(), srv: srv, store: st, dir: dir,
		http: &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}}
	l.wg.Add(1)
	go func() { defer l.wg.Done(); _ = l.http.Serve(ln) }()
	return l, nil
}

func (l *localServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
	_ = l.http.Shutdown(ctx)
	l.wg.Wait()
	l.store.Close()
	os.RemoveAll(l.dir)
}

// run is the parent: it owns the service and the workers.
func run(ctx context.Context, o options, limit uint64) (*summary, error) {
	sum := &summary{Timestamp: time.Now().UTC(), GoMaxProcs: runtime.GOMAXPROCS(0), OpenFilesLimit: limit,
		SessionsRequested: o.sessions, DurationSeconds: o.duration.Seconds(), IntervalSeconds: o.interval.Seconds()}
	base, email, password := o.server, o.email, o.password
	var local *localServer
	var nodes []string
	n := autoWorkers(o)
	helpers := 0
	if o.cluster > 0 {
		n = max(n, o.cluster) // helpers and sharers on every node
		// Session creation is limited per helper (20/min) on every node
		// together: each worker's sessions take turns among its own helpers.
		helpers = (o.sessions+n-1)/n/clusterSessionsPerHelper + 1
		cl, err := startCluster(ctx, o.cluster, n, helpers)
		if err != nil {
			return nil, fmt.Errorf("start cluster: %w", err)
		}
		defer cl.close()
		nodes, password = cl.urls, benchPassword
		base, o.sharer = nodes[0], nodes[1]
		sum.ClusterNodes = len(nodes)
	} else if base == "" {
		sum.RSSBeforeKB = rssKB("self")
		var err error
		if local, err = startLocal(ctx); err != nil {
			return nil, fmt.Errorf("start service: %w", err)
		}
		defer local.close()
		base, email, password = local.url, benchEmail, benchPassword
	}
	sum.Workers = n
	if helpers > 0 {
		email = clusterEmail(0)
	}
	cfg := workerConfig{Server: base, Sharer: o.sharer, Nodes: nodes, Helpers: helpers, Email: email, Password: password, Interval: o.interval, Parallel: o.parallel,
		SetupLimit: o.setupTimeout, Duration: o.duration, PingEvery: 30 * time.Second, DialTimeout: 30 * time.Second}

	var hists []map[int]int64
	var clientRSS int64
	if n == 0 {
		cfg.Sessions = o.sessions
		ready, goCh := make(chan struct{}), make(chan struct{})
		cfg.Ready, cfg.Go = func() { close(ready) }, goCh
		var res workerResult
		var werr error
		done := make(chan struct{})
		go func() { defer close(done); res, werr = runWorker(ctx, cfg) }()
		select {
		case <-ready:
		case <-done:
		}
		sum.RSSBeforeKB, sum.RSSAfterKB = res.RSSBeforeKB, rssKB("self")
		close(goCh)
		minWS := sampleWebSockets(ctx, cfg.servers(), o.duration, done)
		<-done
		if werr != nil {
			return nil, werr
		}
		sum.ServerMinWebSockets = minWS
		sum.add(res)
		hists = append(hists, res.Hist)
	} else {
		results, minWS, err := runWorkers(ctx, o, cfg, n, local != nil, sum)
		if err != nil {
			return nil, err
		}
		sum.ServerMinWebSockets = minWS
		for _, r := range results {
			sum.add(r)
			hists = append(hists, r.Hist)
			clientRSS += r.RSSAfterKB - r.RSSBeforeKB
		}
	}
	q, samples := quantiles(hists, 0.5, 0.9, 0.99, 0.999)
	sum.RelayLatencyMS.P50, sum.RelayLatencyMS.P90, sum.RelayLatencyMS.P99, sum.RelayLatencyMS.P999 = q[0], q[1], q[2], q[3]
	sum.RelayLatencyMS.Samples = samples
	if up := float64(sum.SessionsUp); up > 0 {
		switch {
		case n == 0:
			sum.CombinedRSSPerSession = float64(sum.RSSAfterKB-sum.RSSBeforeKB) / up
		default:
			if local != nil {
				sum.ServerRSSPerSessionKB = float64(sum.RSSAfterKB-sum.RSSBeforeKB) / up
			}
			sum.ClientRSSPerSessionKB = float64(clientRSS) / up
		}
	}
	return sum, nil
}

// sampleWebSockets reads the open-WebSocket gauges of the service's nodes
// (summed) every second
// for d (or until stop closes) and returns the smallest value seen.
func sampleWebSockets(ctx context.Context, bases []string, d time.Duration, stop <-chan struct{}) int64 {
	minWS := int64(-1)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	end := time.NewTimer(d - 500*time.Millisecond)
	defer end.Stop()
	for {
		select {
		case <-t.C:
			var sum int64
			var err error
			for _, base := range bases {
				var v int64
				if v, err = scrapeGauge(ctx, base, "quickhelp_websocket_connections"); err != nil {
					break
				}
				sum += v
			}
			if err == nil && (minWS < 0 || sum < minWS) {
				minWS = sum
			}
		case <-end.C:
			return max(minWS, 0)
		case <-stop:
			return max(minWS, 0)
		case <-ctx.Done():
			return max(minWS, 0)
		}
	}
}

func scrapeGauge(ctx context.Context, base, name string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+wire.PathMetrics, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 1<<20))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		}
	}
	return 0, errors.New("gauge not found")
}

// runWorkers starts n worker processes, lets them set up, starts the
// exchange in all of them at once and collects their results.
func runWorkers(ctx context.Context, o options, cfg workerConfig, n int, local bool, sum *summary) ([]workerResult, int64, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, 0, err
	}
	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		ready  chan struct{}
		result chan workerResult
	}
	wctx, cancel := context.WithTimeout(ctx, o.setupTimeout+o.duration+2*time.Minute)
	defer cancel()
	var procs []*proc
	per := (o.sessions + n - 1) / n
	for i := 0; i < n; i++ {
		cnt := min(per, o.sessions-i*per)
		if cnt <= 0 {
			break
		}
		server, sharer := cfg.Server, cfg.Sharer
		if len(cfg.Nodes) > 0 {
			// Sessions spread over the nodes: worker i's helpers on node i,
			// its sharers on node i+1.
			server, sharer = cfg.Nodes[i%len(cfg.Nodes)], cfg.Nodes[(i+1)%len(cfg.Nodes)]
		}
		if sharer == "" {
			sharer = server
		}
		email := cfg.Email
		if cfg.Helpers > 0 {
			email = clusterEmail(i)
		}
		cmd := exec.CommandContext(wctx, exe, "-worker", "-server", server, "-sharer-server", sharer, "-email", email,
			"-helpers", strconv.Itoa(cfg.Helpers), "-password", cfg.Password,
			"-sessions", strconv.Itoa(cnt), "-duration", o.duration.String(), "-interval", o.interval.String(),
			"-parallel", strconv.Itoa(o.parallel), "-setup-timeout", o.setupTimeout.String())
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, 0, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, 0, err
		}
		if err := cmd.Start(); err != nil {
			return nil, 0, err
		}
		p := &proc{cmd: cmd, stdin: stdin, ready: make(chan struct{}), result: make(chan workerResult, 1)}
		procs = append(procs, p)
		go readWorker(stdout, p.ready, p.result)
	}
	defer func() {
		for _, p := range procs {
			_ = p.stdin.Close()
			_ = p.cmd.Wait()
		}
	}()
	for _, p := range procs {
		select {
		case <-p.ready:
		case <-wctx.Done():
			return nil, 0, fmt.Errorf("workers not ready: %w", wctx.Err())
		}
	}
	if local {
		sum.RSSAfterKB = rssKB("self")
	}
	for _, p := range procs {
		_, _ = io.WriteString(p.stdin, "GO\n")
	}
	minWS := sampleWebSockets(wctx, cfg.servers(), o.duration, nil)
	var out []workerResult
	for _, p := range procs {
		select {
		case r, ok := <-p.result:
			if ok {
				out = append(out, r)
			}
		case <-wctx.Done():
			return nil, 0, fmt.Errorf("worker results: %w", wctx.Err())
		}
	}
	return out, minWS, nil
}

// readWorker parses a worker's stdout: READY, then RESULT {json}.
func readWorker(r io.Reader, ready chan<- struct{}, result chan<- workerResult) {
	defer close(result)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 32<<20)
	readyClosed := false
	defer func() {
		if !readyClosed {
			close(ready)
		}
	}()
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "READY":
			if !readyClosed {
				close(ready)
				readyClosed = true
			}
		case strings.HasPrefix(line, "RESULT "):
			var res workerResult
			if json.Unmarshal([]byte(strings.TrimPrefix(line, "RESULT ")), &res) == nil {
				result <- res
			}
			return
		}
	}
}

// workerMain is a worker process: it reports READY, waits for GO on stdin
// (or stdin closing, which aborts), exchanges, and prints RESULT.
func workerMain(ctx context.Context, o options) error {
	goCh := make(chan struct{})
	abort := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		if sc.Scan() && sc.Text() == "GO" {
			close(goCh)
			return
		}
		close(abort)
	}()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-abort:
			cancel()
		case <-wctx.Done():
		}
	}()
	res, err := runWorker(wctx, workerConfig{
		Server: o.server, Sharer: o.sharer, Helpers: o.helpers, Email: o.email, Password: o.password, Sessions: o.sessions, Interval: o.interval,
		Parallel: o.parallel, SetupLimit: o.setupTimeout, Duration: o.duration, PingEvery: 30 * time.Second,
		DialTimeout: 30 * time.Second, Ready: func() { fmt.Println("READY") }, Go: goCh,
	})
	if err != nil {
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Printf("RESULT %s\n", b)
	return nil
}
