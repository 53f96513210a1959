package sharer

import "time"

// The wait after a refused control request: 5 s after the first refusal,
// doubling with each further one, at most a minute.
const (
	firstControlWait = 5 * time.Second
	maxControlWait   = 60 * time.Second
)

// controlBackoff keeps a helper from asking for control again and again
// until the sharer gives in: after a refusal (deny, no answer in time, or a
// revoke) a new request within the wait is answered "wait N s" without
// asking the sharer. Owned by the session loop.
type controlBackoff struct {
	refusals int
	until    time.Time
}

// refused starts the next, longer wait.
func (b *controlBackoff) refused(now time.Time) {
	wait := maxControlWait
	if b.refusals < 4 {
		wait = min(firstControlWait<<b.refusals, maxControlWait)
	}
	b.refusals++
	b.until = now.Add(wait)
}

// granted forgets earlier refusals.
func (b *controlBackoff) granted() { *b = controlBackoff{} }

// wait returns the whole seconds (rounded up) before a request may be put
// to the sharer again; 0 means now.
func (b *controlBackoff) wait(now time.Time) int {
	left := b.until.Sub(now)
	if left <= 0 {
		return 0
	}
	return int((left + time.Second - 1) / time.Second)
}
