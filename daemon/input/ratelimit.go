package input

import (
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// Default flood limits: a helper moving the mouse at 120 Hz while typing
// fast stays far below DefaultRate; a burst covers a short stall of the
// data channel delivering queued events at once.
const (
	DefaultRate  = 500  // events per second, sustained
	DefaultBurst = 1000 // events accepted back to back
)

// Default text limits: the characters of text events (input-method text,
// "Paste as typing") come out of a budget of their own, so a helper can type
// at most one paste of wire.MaxPasteRunes characters at once and then
// DefaultTextRate characters a second, however the text is split into
// messages. A text event over the budget is dropped whole, before any of it
// is typed.
const (
	DefaultTextRate  = 1000               // characters per second, sustained
	DefaultTextBurst = wire.MaxPasteRunes // characters back to back
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
func (b *tokenBucket) allow(now time.Time) bool { return b.allowN(now, 1) }

// allowN takes n tokens if there are that many, else none.
func (b *tokenBucket) allowN(now time.Time, n int) bool {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(b.burst, b.tokens+el*b.rate)
	}
	b.last = now
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}
