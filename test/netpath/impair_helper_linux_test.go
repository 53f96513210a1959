//go:build linux

package netpath

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// envImpair makes the helper child the measuring one of the impaired-path
// scenario: it receives the sharer's screen through the real viewer, lets
// the congestion controller settle for impairWarmup after the first frame,
// then measures for QH_NETPATH_WINDOW seconds (impairWindow by default) and
// prints "CODE c", "VIDEO" at the first frame, "STATS …" every second
// and one "RESULT {json}" line (an impairResult).
const (
	envImpair    = "QH_NETPATH_IMPAIR"
	envWindow    = "QH_NETPATH_WINDOW"
	impairWarmup = 5 * time.Second
	impairWindow = 20 * time.Second
)

// impairResult is what the helper saw during the measuring window. G2G is
// glass to glass as far as the network is concerned: the frame's capture
// time on the sharer (abs-capture-time; both ends read this machine's
// clock) to the moment the viewer hands the complete frame on.
type impairResult struct {
	WindowS     float64  `json:"window_s"`
	Frames      int      `json:"frames"`
	FPS         float64  `json:"fps"`
	G2GP50Ms    float64  `json:"g2g_p50_ms"`
	G2GP95Ms    float64  `json:"g2g_p95_ms"`
	G2GMaxMs    float64  `json:"g2g_max_ms"`
	MaxGapMs    float64  `json:"max_gap_ms"` // longest time without a new frame
	Kbps        float64  `json:"kbps"`       // encoded video received
	Keyframes   int      `json:"keyframes"`
	Dropped     uint64   `json:"frames_dropped"`    // complete frames dropped while waiting for a keyframe
	KeyRequests uint64   `json:"keyframe_requests"` // PLIs sent
	PacketsLost int64    `json:"packets_lost"`
	Path        rtc.Path `json:"path"`
	Error       string   `json:"error,omitempty"`
}

type seen struct {
	at      time.Time
	capture time.Time
	size    int
	key     bool
}

func runImpairChild() int {
	window := impairWindow
	if s := os.Getenv(envWindow); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 600 {
			fmt.Printf("RESULT {\"error\":\"bad %s %q\"}\n", envWindow, s)
			return 1
		}
		window = time.Duration(n) * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), window+60*time.Second)
	defer cancel()
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	res, err := impairSession(ctx, os.Stdout, window)
	if err != nil {
		res.Error = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", b)
	if err != nil {
		return 1
	}
	return 0
}

func impairSession(ctx context.Context, out io.Writer, window time.Duration) (impairResult, error) {
	var res impairResult
	sess, cr, err := openSession(ctx)
	if err != nil {
		return res, err
	}
	defer sess.Close()
	fmt.Fprintf(out, "CODE %s\n", cr.Code)

	var mu sync.Mutex
	var frames []seen // bounded: at most the capture cap × (warm-up + window)
	first := make(chan struct{})
	var once sync.Once
	v, err := viewer.New(viewer.Config{
		ICEServers:         cr.ICEServers,
		ICETransportPolicy: rtc.TransportPolicy(cr.ICETransportPolicy, false),
		Signal:             func(env wire.Envelope) error { return sess.Send(ctx, env) },
		OnFrame: func(f wire.Frame) {
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			once.Do(func() { close(first) })
			if f.Keyframe {
				fmt.Fprintf(out, "KEYFRAME %d bytes\n", len(f.Data))
			}
			if len(frames) < 100_000 && f.CaptureUsec != 0 {
				frames = append(frames, seen{at: now, capture: time.UnixMicro(int64(f.CaptureUsec)), size: len(f.Data), key: f.Keyframe})
			}
		},
	})
	if err != nil {
		return res, err
	}
	defer v.Close()

	var from, to time.Time
	var st0 viewer.Stats
	var warm, stop <-chan time.Time // nil until the first frame, the window
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case ev := <-sess.Events():
			if ev.Kind == client.EventClosed {
				return res, fmt.Errorf("session closed: %v %s", ev.Err, ev.Reason)
			}
			if ev.Kind == client.EventMessage && (ev.Envelope.Type == wire.TypeOffer || ev.Envelope.Type == wire.TypeCandidate) {
				if err := v.HandleSignal(ctx, ev.Envelope); err != nil {
					return res, fmt.Errorf("signal %s: %w", ev.Envelope.Type, err)
				}
			}
		case <-first:
			fmt.Fprintln(out, "VIDEO")
			first, warm = nil, time.After(impairWarmup)
		case <-warm:
			st0, from = v.Stats(), time.Now()
			to, stop = from.Add(window), time.After(window)
		case <-stop:
			done = true
		case <-tick.C:
			// One line a second for the failure report: what the
			// viewer sees while the congestion controller works.
			st := v.Stats()
			fmt.Fprintf(out, "STATS fps=%.0f kbps=%d lost=%d dropped=%d plis=%d latency_ms=%.0f state=%s\n",
				st.FPS, st.BitrateKbps, st.PacketsLost, st.FramesDropped, st.KeyframeRequests, st.LatencyMs, st.State)
		case <-ctx.Done():
			return res, fmt.Errorf("no video through the window: %w", ctx.Err())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	st := v.Stats()
	res = summarise(frames, from, to)
	res.Dropped = st.FramesDropped - st0.FramesDropped
	res.KeyRequests = st.KeyframeRequests - st0.KeyframeRequests
	res.PacketsLost = st.PacketsLost - st0.PacketsLost
	res.Path = st.Path
	return res, nil
}

// summarise computes the window's figures from the frames received.
func summarise(all []seen, from, to time.Time) impairResult {
	res := impairResult{WindowS: to.Sub(from).Seconds()}
	var g2g []float64
	var bytes int
	last := from
	for _, f := range all {
		if f.at.Before(from) || !f.at.Before(to) {
			continue
		}
		res.Frames++
		bytes += f.size
		if f.key {
			res.Keyframes++
		}
		g2g = append(g2g, ms(f.at.Sub(f.capture)))
		res.MaxGapMs = max(res.MaxGapMs, ms(f.at.Sub(last)))
		last = f.at
	}
	res.MaxGapMs = max(res.MaxGapMs, ms(to.Sub(last)))
	res.FPS = float64(res.Frames) / res.WindowS
	res.Kbps = float64(bytes) * 8 / 1000 / res.WindowS
	if len(g2g) > 0 {
		slices.Sort(g2g)
		res.G2GP50Ms = g2g[len(g2g)/2]
		res.G2GP95Ms = g2g[(len(g2g)*95)/100]
		res.G2GMaxMs = g2g[len(g2g)-1]
	}
	return res
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
