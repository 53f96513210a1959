// Command load measures how many concurrent sessions the QuickHelp service
// holds and how fast it relays chat between a helper and a sharer.
//
//	go run ./bench/load -sessions 1000 -duration 30s -out bench/results/load.json
//
// It starts the real service in-process on loopback (temp SQLite, a seeded
// helper) unless -server names one or -cluster N starts N service processes
// on a throw-away PostgreSQL and a nats-server (cluster.go), with each
// session's helper on one node and its sharer on the next, so every relayed
// message crosses NATS; sets up the sessions through the public
// API (create, join, two session WebSockets each), sends one chat message
// per session every -interval, alternating direction, for -duration, and
// writes a JSON summary. Large runs spread the client sockets over worker
// processes (-workers) because every session costs two sockets on the
// client side and two on the service side, and one process may hold only
// as many as its open-files limit. The program stops by itself: setup is
// bounded by -setup-timeout and the exchange by -duration.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

type options struct {
	sessions     int
	duration     time.Duration
	interval     time.Duration
	out          string
	server       string
	sharer       string
	cluster      int
	helpers      int
	email        string
	password     string
	workers      int
	parallel     int
	setupTimeout time.Duration
	worker       bool
}

func main() {
	var o options
	flag.IntVar(&o.sessions, "sessions", 100, "concurrent sessions to hold (2 WebSockets each)")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "how long to exchange chat once every session is up")
	flag.DurationVar(&o.interval, "interval", 5*time.Second, "time between chat messages of one session")
	flag.StringVar(&o.out, "out", "bench/results/load.json", "where to write the JSON summary")
	flag.StringVar(&o.server, "server", "", "base URL of a running service (default: start one in-process)")
	flag.StringVar(&o.sharer, "sharer-server", "", "base URL sharers join and connect through (default: -server)")
	flag.IntVar(&o.cluster, "cluster", 0, "start this many service nodes on PostgreSQL and NATS (at least 2); each session's helper and sharer use different nodes")
	flag.IntVar(&o.helpers, "helpers", 0, "internal: -email is a pattern with %d for this many helpers")
	flag.StringVar(&o.email, "email", "", "helper e-mail on -server")
	flag.StringVar(&o.password, "password", "", "helper password on -server")
	flag.IntVar(&o.workers, "workers", -1, "client worker processes (0: in-process; -1: automatic)")
	flag.IntVar(&o.parallel, "parallel", 32, "concurrent session setups per worker")
	flag.DurationVar(&o.setupTimeout, "setup-timeout", 10*time.Minute, "bound on setting up all sessions")
	flag.BoolVar(&o.worker, "worker", false, "internal: run as a client worker process")
	flag.Parse()
	if o.sessions < 1 || o.duration <= 0 || o.interval <= 0 || o.parallel < 1 {
		log.Fatal("load: -sessions, -duration, -interval and -parallel must be positive")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	limit := raiseFileLimit()
	if o.worker {
		if err := workerMain(ctx, o); err != nil {
			log.Fatalf("load worker: %v", err)
		}
		return
	}
	sum, err := run(ctx, o, limit)
	if err != nil {
		log.Fatalf("load: %v", err)
	}
	b, _ := json.MarshalIndent(sum, "", "  ")
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		log.Fatalf("load: %v", err)
	}
	if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
		log.Fatalf("load: %v", err)
	}
	fmt.Printf("%s\n", b)
}

// summary is the JSON written to -out.
type summary struct {
	Timestamp         time.Time `json:"timestamp"`
	GoMaxProcs        int       `json:"gomaxprocs"`
	OpenFilesLimit    uint64    `json:"open_files_limit"`
	Workers           int       `json:"workers"`
	ClusterNodes      int       `json:"cluster_nodes,omitempty"`
	SessionsRequested int       `json:"sessions_requested"`
	SessionsUp        int       `json:"sessions_up"`
	// SessionsHeld were up for the whole exchange without a drop.
	SessionsHeld int `json:"sessions_held"`
	// ServerMinWebSockets is the fewest session sockets the service held
	// while the exchange ran (sampled every second).
	ServerMinWebSockets int64   `json:"server_min_websockets"`
	SetupErrors         int     `json:"setup_errors"`
	FirstError          string  `json:"first_error,omitempty"`
	SetupSeconds        float64 `json:"setup_seconds"`
	DurationSeconds     float64 `json:"duration_seconds"`
	IntervalSeconds     float64 `json:"interval_seconds"`
	MessagesSent        int64   `json:"messages_sent"`
	MessagesReceived    int64   `json:"messages_received"`
	SendErrors          int64   `json:"send_errors"`
	Drops               int64   `json:"drops"`
	RelayLatencyMS      struct {
		P50     float64 `json:"p50"`
		P90     float64 `json:"p90"`
		P99     float64 `json:"p99"`
		P999    float64 `json:"p999"`
		Samples int64   `json:"samples"`
	} `json:"relay_latency_ms"`
	// VmRSS growth per session while setting the sessions up. With
	// -workers 0 the service and the clients share one process and only
	// the combined figure exists; with workers the service's (in-process
	// service only) and the clients' are separate.
	RSSBeforeKB           int64   `json:"rss_before_kb,omitempty"`
	RSSAfterKB            int64   `json:"rss_after_kb,omitempty"`
	CombinedRSSPerSession float64 `json:"combined_rss_per_session_kb,omitempty"`
	ServerRSSPerSessionKB float64 `json:"server_rss_per_session_kb,omitempty"`
	ClientRSSPerSessionKB float64 `json:"client_rss_per_session_kb,omitempty"`
}

func (s *summary) add(r workerResult) {
	s.SessionsUp += r.SessionsUp
	s.SessionsHeld += r.SessionsHeld
	s.SetupErrors += r.SetupErrors
	if s.FirstError == "" {
		s.FirstError = r.FirstError
	}
	s.SetupSeconds = max(s.SetupSeconds, r.SetupSeconds)
	s.MessagesSent += r.Sent
	s.MessagesReceived += r.Received
	s.SendErrors += r.SendErrors
	s.Drops += r.Drops
}

func autoWorkers(o options) int {
	if o.workers >= 0 {
		return o.workers
	}
	// In one process a session costs four sockets (two client, two
	// service); keep in-process runs well inside common limits.
	if o.sessions <= 2000 {
		return 0
	}
	return (o.sessions + 3999) / 4000
}

func init() { log.SetFlags(0) }
