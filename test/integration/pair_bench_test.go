package integration_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkPairFrame measures the per-frame cost of the media path: one
// 1080p-sized (~30 KB) frame at a time goes WriteFrame → packetiser →
// SRTP → loopback UDP → assembler → OnFrame. It reports frames/s at that
// one-at-a-time pace and the WriteFrame→OnFrame latency percentiles.
func BenchmarkPairFrame(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pr := newPair(b, pairOptions{})
	pr.connect(ctx)
	recv(ctx, b, "initial keyframe request", pr.keyReqs)

	rng := rand.New(rand.NewPCG(9, 10))
	payload := func(key bool) []byte {
		d := make([]byte, 28<<10+rng.IntN(4<<10))
		for i := range d {
			d[i] = byte(rng.Uint32())
		}
		if key {
			d[0] &^= 1
		} else {
			d[0] |= 1
		}
		return d
	}
	frames := [][]byte{payload(false), payload(false), payload(false), payload(false)}
	key := payload(true)

	lat := make([]time.Duration, 0, b.N)
	needKey := true
	lost := 0
	b.SetBytes(int64(len(frames[0])))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		select {
		case <-pr.keyReqs:
			needKey = true
		default:
		}
		data := frames[i%len(frames)]
		if needKey {
			data = key
		}
		at := time.Now()
		if err := pr.p.WriteFrame(data, needKey, at); err != nil {
			b.Fatalf("WriteFrame() = %v", err)
		}
		needKey = false
		select {
		case <-pr.frames:
			lat = append(lat, time.Since(at))
		case <-time.After(2 * time.Second):
			lost++ // the viewer asks for a keyframe; the next round sends it
		case <-ctx.Done():
			b.Fatal(ctx.Err())
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		b.Fatal("no frame arrived")
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "frames/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lost), "lost")
}
