package main

import (
	"context"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

func TestQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 100; i++ {
		h.Add(time.Duration(i) * time.Millisecond)
	}
	h.Add(-time.Second)     // clamps into the first bucket
	h.Add(10 * time.Second) // clamps into the last bucket
	q, n := quantiles([]map[int]int64{h.Sparse(), {0: 0}}, 0.5, 0.99, 1)
	if n != 102 {
		t.Fatalf("samples = %d, want 102", n)
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"p50", q[0], 50.05},
		{"p99", q[1], 100.05},
		{"max", q[2], float64(numBuckets) * 0.05},
	}
	for _, tt := range tests {
		if d := tt.got - tt.want; d > 0.001 || d < -0.001 {
			t.Errorf("%s = %v ms, want %v ms", tt.name, tt.got, tt.want)
		}
	}
	if q, n := quantiles(nil, 0.5); n != 0 || q[0] != 0 {
		t.Errorf("quantiles(nil) = %v, %d; want 0, 0", q, n)
	}
}

func TestRSS(t *testing.T) {
	if got := rssKB("self"); got <= 0 {
		t.Errorf("rssKB(self) = %d, want > 0 on Linux", got)
	}
	if got := rssKB("no-such-pid"); got != 0 {
		t.Errorf("rssKB(bad) = %d, want 0", got)
	}
}

// TestWorkerAgainstRealService runs a small load against the real service.
func TestWorkerAgainstRealService(t *testing.T) {
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const sessions = 5
	res, err := runWorker(ctx, workerConfig{
		Server: env.URL, Email: env.HelperEmail, Password: env.HelperPassword, Sessions: sessions,
		Interval: 100 * time.Millisecond, Parallel: 2, SetupLimit: time.Minute, Duration: 2 * time.Second,
		PingEvery: 10 * time.Second, DialTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("runWorker: %v", err)
	}
	if res.SessionsUp != sessions || res.SessionsHeld != sessions || res.SetupErrors != 0 {
		t.Fatalf("sessions up/held/errors = %d/%d/%d, want %d/%d/0 (%s)", res.SessionsUp, res.SessionsHeld, res.SetupErrors, sessions, sessions, res.FirstError)
	}
	if res.Sent < sessions || res.SendErrors != 0 {
		t.Errorf("sent %d with %d errors, want at least %d and none", res.Sent, res.SendErrors, sessions)
	}
	// Messages in flight when the exchange stops are not counted.
	if res.Received < res.Sent-2*sessions || res.Received > res.Sent {
		t.Errorf("received %d of %d sent", res.Received, res.Sent)
	}
	if _, n := quantiles([]map[int]int64{res.Hist}, 0.5); n != res.Received {
		t.Errorf("histogram holds %d samples, want %d", n, res.Received)
	}
	// The service notices the closed sockets shortly after the worker
	// returns; poll with a bound.
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, err := scrapeGauge(ctx, env.URL, "quickhelp_websocket_connections")
		if err != nil {
			t.Fatalf("scrapeGauge: %v", err)
		}
		if v == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service still holds %d sockets after the worker closed", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkRelayLatency measures one chat message from helper to sharer
// through the real service on loopback; ns/op is the one-way latency
// including both clients' encode and decode.
func BenchmarkRelayLatency(b *testing.B) {
	env := servertest.Start(b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := client.New(env.URL)
	if err != nil {
		b.Fatal(err)
	}
	login, err := c.Login(ctx, env.HelperEmail, env.HelperPassword)
	if err != nil {
		b.Fatal(err)
	}
	ls, err := setupOne(ctx, c, c, login.Token, workerConfig{PingEvery: time.Minute, DialTimeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer ls.helper.Close()
	defer ls.sharer.Close()
	var h histogram
	msg := wire.Envelope{Type: wire.TypeChat, Text: "benchmark message of a typical chat length"}
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := ls.helper.Send(ctx, msg); err != nil {
			b.Fatal(err)
		}
		if err := waitType(ctx, ls.sharer, wire.TypeChat); err != nil {
			b.Fatal(err)
		}
		h.Add(time.Since(start))
	}
	b.StopTimer()
	q, _ := quantiles([]map[int]int64{h.Sparse()}, 0.5, 0.99)
	b.ReportMetric(q[0], "p50-ms")
	b.ReportMetric(q[1], "p99-ms")
}
