package sharer

import (
	"context"
	"log/slog"
	"time"
)

// encodeShare is the share of one core the capture loop's encoding may
// take on average. The capture cap (capture.DefaultMaxFPS) allows a frame
// every 33 ms (16.7 ms with --max-fps 60), but a 1080p frame that changed everywhere (a page
// scrolling) takes libvpx 8–12 ms on this kind of machine, and far longer
// when the machine is busy with the user's own programs. So the loop waits
// after each frame until the frame's encoding time is at most this share
// of the interval: cheap frames (typing, a small change) still come at the
// cap, costly ones at a lower rate, and on a busy machine, where each
// encode takes longer in wall time, the rate drops further instead of
// frames queueing behind each other (latency beats frame rate).
const encodeShare = 0.5

// maxRateWait bounds the governor's wait, so one very slow frame (the
// machine stopped us for a while) does not hold the next one for long.
const maxRateWait = 200 * time.Millisecond

// rateGovernor spaces captures by the measured encoding cost. Used only by
// the pipeline's goroutine.
type rateGovernor struct {
	cost time.Duration // moving average of the encoding time of a frame
	last time.Time     // when the last encoded frame was captured
}

// record notes a frame captured at captured whose encoding took cost.
func (g *rateGovernor) record(captured time.Time, cost time.Duration) {
	if g.cost == 0 {
		g.cost = cost
	} else {
		g.cost += (cost - g.cost) / 4
	}
	g.last = captured
}

// wait blocks until the next capture may start: after the encoding cost's
// share, and no sooner than minGap (the helper's frame-rate limit) after
// the last frame.
func (g *rateGovernor) wait(ctx context.Context, minGap time.Duration) {
	if g.last.IsZero() {
		return
	}
	gap := max(min(time.Duration(float64(g.cost)/encodeShare), maxRateWait), minGap)
	if d := time.Until(g.last.Add(gap)); d > 0 {
		sleepCtx(ctx, d)
	}
}

// stageStats sums where the loop's time goes, for a Debug line every
// statsEvery: waiting for the network (busy), for the governor (rate),
// for a change and the grab (capture), the conversion and encoding
// (encode) and handing the frame to the connection (send).
type stageStats struct {
	start                             time.Time
	frames                            int
	busy, rate, capture, encode, send time.Duration
	maxEncode                         time.Duration
}

const statsEvery = 5 * time.Second

func (s *stageStats) flush(logger *slog.Logger, now time.Time) {
	if s.start.IsZero() {
		s.start = now
		return
	}
	if now.Sub(s.start) < statsEvery {
		return
	}
	if s.frames > 0 && logger.Enabled(context.Background(), slog.LevelDebug) {
		n := time.Duration(s.frames)
		logger.Debug("pipeline stages", "frames", s.frames,
			"fps", float64(s.frames)/now.Sub(s.start).Seconds(),
			"busy_ms", ms(s.busy/n), "rate_ms", ms(s.rate/n), "capture_ms", ms(s.capture/n),
			"encode_ms", ms(s.encode/n), "encode_max_ms", ms(s.maxEncode), "send_ms", ms(s.send/n))
	}
	*s = stageStats{start: now}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
