//go:build linux

package integration_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/encode"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

const benchDisplay = 101

// BenchmarkAllowToFirstFrame measures, on loopback with the real service,
// daemon and viewer on a 1080p Xvfb screen, the time from the sharer's
// Allow to the first frame decoded on the helper's side. With
// QUICKHELP_BENCH_JSON=FILE it also writes the median and p95 there.
func BenchmarkAllowToFirstFrame(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	x, err := xvfb.Start(ctx, benchDisplay, 1920, 1080)
	if err == xvfb.ErrNotInstalled {
		b.Skip("Xvfb not installed")
	}
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	painter, err := xvfb.NewPainter(x.Display)
	if err != nil {
		b.Fatal(err)
	}
	defer painter.Close()
	for _, q := range quadrants {
		painter.Fill(q.x, q.y, 960, 540, q.rgb)
	}
	env := servertest.Start(b)
	api, _ := client.New(env.URL)
	login, err := api.Login(ctx, env.HelperEmail, env.HelperPassword)
	if err != nil {
		b.Fatal(err)
	}
	d, err := sharer.New(sharer.Config{ServerURL: env.URL, Display: x.Display, PeerSettings: loopbackICE})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	dec, err := encode.NewVP8Decoder()
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()

	var samples []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h, code := newHelper(ctx, b, api, login.Token)
		if err := d.Join(ctx, code, ""); err != nil {
			b.Fatal(err)
		}
		waitB(b, h.sawSharer)
		b.StartTimer()
		start := time.Now()
		if resp := d.Do(ctx, wire.LocalRequest{Cmd: wire.LocalAllow}); !resp.OK {
			b.Fatal(resp.Error)
		}
		for h.frameCount() == 0 {
			select {
			case <-h.newFrame:
			case <-time.After(20 * time.Second):
				b.Fatal("no frame")
			}
		}
		h.mu.Lock()
		first := h.frames[0]
		h.mu.Unlock()
		if _, err := dec.Decode(first.Data); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
		b.StopTimer()
		d.Do(ctx, wire.LocalRequest{Cmd: wire.LocalStop})
		waitB(b, func() bool { return d.Status().State == wire.SharerEnded })
		h.close()
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	p50 := samples[len(samples)/2]
	p95 := samples[min(len(samples)-1, len(samples)*95/100)]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
	if out := os.Getenv("QUICKHELP_BENCH_JSON"); out != "" {
		os.MkdirAll(filepath.Dir(out), 0o755)
		body, _ := json.MarshalIndent(map[string]any{
			"benchmark": "allow-to-first-decoded-frame", "resolution": "1920x1080", "samples": len(samples),
			"p50_ms": float64(p50.Microseconds()) / 1000, "p95_ms": float64(p95.Microseconds()) / 1000,
			"goal_ms": 300, "when": time.Now().UTC().Format(time.RFC3339),
		}, "", "  ")
		os.WriteFile(out, append(body, '\n'), 0o644)
	}
}

func waitB(b *testing.B, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
