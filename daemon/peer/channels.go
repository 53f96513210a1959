package peer

import (
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// Cursor channel backpressure. The cursor channel is reliable and ordered
// because a lost shape would leave the helper with the wrong pointer image
// until the next change. Positions are replaceable: above cursorHighWater
// buffered bytes they are not queued; the newest one is kept and sent when
// the buffer drains below cursorLowWater. Shapes are queued up to
// cursorHardLimit, then refused with rtc.ErrBackpressure.
const (
	cursorLowWater  = 16 << 10
	cursorHighWater = 64 << 10
	cursorHardLimit = 1 << 20
)

func ptr[T any](v T) *T { return &v }

func (c *Conn) createChannels() error {
	specs := []struct {
		label string
		init  *webrtc.DataChannelInit
	}{
		{wire.ChannelInput, &webrtc.DataChannelInit{Ordered: ptr(true)}},
		{wire.ChannelPointer, &webrtc.DataChannelInit{Ordered: ptr(false), MaxRetransmits: ptr[uint16](0)}},
		{wire.ChannelAnnotate, &webrtc.DataChannelInit{Ordered: ptr(true)}},
		{wire.ChannelCursor, &webrtc.DataChannelInit{Ordered: ptr(true)}},
		{wire.ChannelSAS, &webrtc.DataChannelInit{Ordered: ptr(true)}},
	}
	for _, s := range specs {
		dc, err := c.pc.CreateDataChannel(s.label, s.init)
		if err != nil {
			return fmt.Errorf("peer: data channel %s: %w", s.label, err)
		}
		c.chans[s.label] = dc
		label := s.label
		if label == wire.ChannelCursor {
			c.cursor = &cursorSender{dc: dc}
			dc.SetBufferedAmountLowThreshold(cursorLowWater)
			dc.OnBufferedAmountLow(func() { c.q.Post(c.cursor.flush) })
			dc.OnOpen(func() { c.q.Post(c.cursor.opened) })
			continue
		}
		if label == wire.ChannelSAS {
			// The channel opens only once DTLS is up: the certificates are
			// fixed before the nonce is revealed. Nothing is read from it.
			dc.OnOpen(func() {
				if err := dc.Send(c.sas.Reveal()); err != nil {
					c.log.Debug("sending the security code nonce failed", "err", err)
				}
			})
			continue
		}
		dc.OnMessage(func(m webrtc.DataChannelMessage) { c.onData(label, m.Data) })
	}
	return nil
}

// onData runs on pion's reader goroutine of one channel. Reliable channels
// wait for room in the queue, which backs up SCTP flow control to the
// helper; pointer moves are dropped instead (a newer one follows).
func (c *Conn) onData(label string, b []byte) {
	if len(b) > wire.MaxDataMessageBytes {
		c.dataDropped.Add(1)
		return
	}
	msg := dataMsg{channel: label, b: append([]byte(nil), b...)}
	if label == wire.ChannelPointer {
		select {
		case c.data <- msg:
		default:
			c.dataDropped.Add(1)
		}
		return
	}
	select {
	case c.data <- msg:
	case <-c.q.Done():
	}
}

func (c *Conn) dispatchLoop() {
	rtc.Consume(c.q.Done(), c.data, func(m dataMsg) {
		if c.cfg.OnData != nil {
			c.cfg.OnData(m.channel, m.b)
		}
	})
}

// cursorSender applies the cursor channel's backpressure policy.
type cursorSender struct {
	dc *webrtc.DataChannel

	mu      sync.Mutex // guards the fields below
	pending []byte     // newest position held back while the buffer drains
	dropped uint64
	// The newest shape and position given before the channel opened; sent
	// when it opens, so the helper starts with the sharer's real cursor.
	earlyShape, earlyPos []byte
}

func (s *cursorSender) send(b []byte) error {
	if s.dc.ReadyState() != webrtc.DataChannelStateOpen {
		if m, err := wire.DecodeCursor(b); err == nil {
			s.mu.Lock()
			if m.T == wire.CursorShape {
				s.earlyShape = append(s.earlyShape[:0], b...)
			} else {
				s.earlyPos = append(s.earlyPos[:0], b...)
			}
			s.mu.Unlock()
		}
		return rtc.ErrChannelNotOpen
	}
	if len(b) > wire.MaxDataMessageBytes {
		return fmt.Errorf("%w: cursor message of %d bytes", rtc.ErrBackpressure, len(b))
	}
	buffered := s.dc.BufferedAmount()
	if buffered > cursorHighWater {
		// Only when congested is it worth decoding our own message.
		if m, err := wire.DecodeCursor(b); err == nil && m.T == wire.CursorPosition {
			s.mu.Lock()
			if s.pending != nil {
				s.dropped++
			}
			s.pending = append(s.pending[:0], b...)
			s.mu.Unlock()
			return nil
		}
		if buffered > cursorHardLimit {
			s.mu.Lock()
			s.dropped++
			s.mu.Unlock()
			return rtc.ErrBackpressure
		}
	} else {
		// A queued older position is now stale.
		s.mu.Lock()
		if s.pending != nil {
			s.pending = nil
			s.dropped++
		}
		s.mu.Unlock()
	}
	return s.dc.Send(b)
}

// opened sends what was given before the channel opened: shape first.
func (s *cursorSender) opened() {
	s.mu.Lock()
	early := [][]byte{s.earlyShape, s.earlyPos}
	s.earlyShape, s.earlyPos = nil, nil
	s.mu.Unlock()
	for _, b := range early {
		if b != nil {
			_ = s.dc.Send(b)
		}
	}
}

// flush sends the held-back position once the buffer drained.
func (s *cursorSender) flush() {
	s.mu.Lock()
	b := s.pending
	s.pending = nil
	s.mu.Unlock()
	if b != nil && s.dc.ReadyState() == webrtc.DataChannelStateOpen {
		_ = s.dc.Send(b)
	}
}

func (s *cursorSender) droppedCount() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// SendCursor sends one encoded wire.Cursor message to the helper. Under
// backpressure positions are coalesced (only the newest is sent when the
// buffer drains); shapes are refused with rtc.ErrBackpressure only when the
// buffer exceeds a hard limit. Before the channel opens it returns
// rtc.ErrChannelNotOpen but keeps the newest shape and position, and sends them
// when it opens.
func (c *Conn) SendCursor(b []byte) error {
	if c.q.Closed() {
		return rtc.ErrClosed
	}
	return c.cursor.send(b)
}
