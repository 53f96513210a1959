package viewer

import (
	"encoding/json"
	"fmt"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// Send buffer limits: pointer moves are dropped above pointerHighWater
// (a newer one follows); reliable messages are refused above
// reliableHighWater, so a stalled path cannot grow memory without bound.
const (
	pointerHighWater  = 64 << 10
	reliableHighWater = 1 << 20
)

// SendInput validates ev and sends it to the sharer: moves on the
// unordered pointer channel, everything else on the reliable input channel.
func (v *Viewer) SendInput(ev wire.InputEvent) error {
	if err := ev.Validate(); err != nil {
		return fmt.Errorf("%w: %w", rtc.ErrInvalidMessage, err)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("%w: %w", rtc.ErrInvalidMessage, err)
	}
	if ev.T == wire.InputMove {
		return v.send(wire.ChannelPointer, b)
	}
	return v.send(wire.ChannelInput, b)
}

// SendAnnotation validates a and sends it on the annotate channel.
func (v *Viewer) SendAnnotation(a wire.Annotation) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("%w: %w", rtc.ErrInvalidMessage, err)
	}
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("%w: %w", rtc.ErrInvalidMessage, err)
	}
	return v.send(wire.ChannelAnnotate, b)
}

func (v *Viewer) send(label string, b []byte) error {
	if v.q.Closed() {
		return rtc.ErrClosed
	}
	if len(b) > wire.MaxDataMessageBytes {
		return fmt.Errorf("%w: %d bytes", rtc.ErrInvalidMessage, len(b))
	}
	v.mu.Lock()
	dc := v.chans[label]
	v.mu.Unlock()
	if dc == nil || dc.ReadyState() != webrtc.DataChannelStateOpen {
		return rtc.ErrChannelNotOpen
	}
	limit := uint64(reliableHighWater)
	if label == wire.ChannelPointer {
		limit = pointerHighWater
	}
	if dc.BufferedAmount() > limit {
		return rtc.ErrBackpressure
	}
	if err := dc.Send(b); err != nil {
		return fmt.Errorf("viewer: send on %s: %w", label, err)
	}
	return nil
}

// enqueueCursor runs on pion's reader goroutine: it only copies and queues.
func (v *Viewer) enqueueCursor(b []byte) {
	if len(b) > wire.MaxDataMessageBytes {
		v.cursorBad.Add(1)
		return
	}
	select {
	case v.cursorQ <- append([]byte(nil), b...):
	default:
		v.cursorDropped.Add(1)
	}
}

func (v *Viewer) cursorLoop() {
	rtc.Consume(v.q.Done(), v.cursorQ, v.handleCursor)
}

// handleCursor decodes one untrusted cursor message; bad ones are counted
// and dropped.
func (v *Viewer) handleCursor(b []byte) {
	c, err := wire.DecodeCursor(b)
	if err != nil {
		v.cursorBad.Add(1)
		return
	}
	if v.cfg.OnCursor != nil {
		v.cfg.OnCursor(c)
	}
}
