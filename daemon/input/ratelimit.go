package input

import "time"

// Default flood limits: a helper moving the mouse at 120 Hz while typing
// fast stays far below DefaultRate; a burst covers a short stall of the
// data channel delivering queued events at once.
const (
	DefaultRate  = 500  // events per second, sustained
	DefaultBurst = 1000 // events accepted back to back
)

// tokenBucket is a plain token bucket; the Handler's mutex guards it.
type tokenBucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int, now time.Time) tokenBucket {
	return tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// allow takes one token if there is one.
func (b *tokenBucket) allow(now time.Time) bool {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(b.burst, b.tokens+el*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
