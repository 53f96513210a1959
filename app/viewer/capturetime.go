package viewer

import (
	"time"

	"github.com/pion/rtp"

	"github.com/quickhelp/quickhelp/internal/rtc"
)

// AbsCaptureTimeURI is the RTP header extension carrying the sharer's
// capture time of each frame (NTP format, sharer clock).
const AbsCaptureTimeURI = rtc.AbsCaptureTimeURI

// Plausible capture times; anything else is a corrupt or hostile extension.
var (
	minCapture = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	maxCapture = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// captureUsec reads the abs-capture-time extension with the negotiated id
// from h, as microseconds since the Unix epoch. ok is false when the
// extension is absent, malformed or implausible.
func captureUsec(h *rtp.Header, id uint8) (usec uint64, ok bool) {
	if id == 0 || h == nil {
		return 0, false
	}
	b := h.GetExtension(id)
	if b == nil {
		return 0, false
	}
	var ext rtp.AbsCaptureTimeExtension
	if err := ext.Unmarshal(b); err != nil {
		return 0, false
	}
	t := ext.CaptureTime()
	if t.Before(minCapture) || !t.Before(maxCapture) {
		return 0, false
	}
	return uint64(t.UnixMicro()), true
}
