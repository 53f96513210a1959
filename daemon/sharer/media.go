package sharer

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/consent"
	"github.com/quickhelp/quickhelp/daemon/peer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// monitor is the geometry of the shared monitor in screen pixels. The input
// handler and the overlay ask for it per event, so it is cached here and
// refreshed by the loop when sharing starts or the monitor changes.
func (s *session) monitor() wire.Monitor {
	if m := s.shared.Load(); m != nil {
		return *m
	}
	return wire.Monitor{}
}

// refreshMonitor re-reads the layout and returns it. Loop goroutine only.
func (s *session) refreshMonitor() []wire.Monitor {
	mons := s.src.Monitors()
	idx := int(s.monitorIdx.Load())
	if idx >= len(mons) {
		idx = 0
	}
	if len(mons) > 0 {
		m := mons[idx]
		s.shared.Store(&m)
	}
	return mons
}

// maySend is the pipeline's gate: consent allows sending and the peer
// connection is up. A frame encoded before the connection is up would
// wait in the send queue: at the start of a session a keyframe of the
// whole screen (100–300 KB of text) was encoded before the connection and
// a second one when it came up, and both were paced out before the first
// picture (Allow → first frame 2.7 s, bench-compare's start workload).
func (s *session) maySend() bool { return s.mediaUp.Load() && s.gate.MaySend() }

func (s *session) writeFrame(data []byte, key bool, captured time.Time) error {
	pc := s.peerConn()
	if pc == nil {
		return errNoViewer
	}
	return pc.WriteFrame(data, key, captured)
}

// sendBusy is how long the connection will still be pacing out the
// frames it has (0: none).
func (s *session) sendBusy() time.Duration {
	pc := s.peerConn()
	if pc == nil {
		return 0
	}
	return pc.SendFreeIn()
}

func (s *session) onData(channel string, msg []byte) {
	switch channel {
	case wire.ChannelInput, wire.ChannelPointer:
		// The handler itself asks the gate before every event.
		if h := s.inputHandler(); h != nil {
			h.HandleMessage(channel, msg)
		} else {
			s.dropped.Add(1) // no control granted: the event goes nowhere
		}
	case wire.ChannelAnnotate:
		a, err := wire.DecodeAnnotation(msg)
		if err != nil {
			return
		}
		if s.annotationsHidden(s.gate.State()) || s.overlay == nil {
			return // paused, or a question is pending: dropped
		}
		if err := s.overlay.Apply(a); err != nil {
			s.logger.Debug("annotation not shown", "err", err)
		}
		if !s.annotated.Swap(true) {
			s.send(wire.Envelope{Type: wire.TypeFeature, Feature: wire.FeatureAnnotation})
		}
	}
}

// overlayHidden says when the helper's annotations are hidden and new ones
// dropped: while sharing is paused or not granted, and while the sharer is
// being asked for control, so nothing can be drawn over the question.
func overlayHidden(st consent.State) bool {
	return !st.MaySend() || st.Control == consent.ControlRequested
}

// annotationsHidden is overlayHidden, and also while "Keep sharing?" waits
// for an answer.
func (s *session) annotationsHidden(st consent.State) bool {
	return overlayHidden(st) || s.keepAsked.Load()
}

// cursorLoop sends the sharer's pointer on the cursor channel, so the
// helper sees it without it being encoded into the video.
func (s *session) cursorLoop(ctx context.Context) {
	if err := capture.PollCursor(ctx, s.src, 0, s.sendCursor); err != nil && ctx.Err() == nil {
		s.logger.Warn("cursor unavailable", "err", err)
	}
}

// sendCursor sends one cursor message to the viewer, if any, and keeps the
// latest shape and position so a viewer that connects later gets them too.
func (s *session) sendCursor(c wire.Cursor) {
	b, err := json.Marshal(c)
	if err != nil {
		return
	}
	if c.T == wire.CursorShape {
		s.cursorShape.Store(&b)
	} else {
		s.cursorPos.Store(&b)
	}
	if pc := s.peerConn(); pc != nil && s.gate.MaySend() {
		pc.SendCursor(b)
	}
}

// resendCursor gives a new viewer (or one after a pause) the current
// cursor; the peer holds it until its cursor channel opens. Like the video,
// nothing is sent while the gate holds sharing back (paused).
func (s *session) resendCursor(pc *peer.Conn) {
	if !s.gate.MaySend() {
		return
	}
	for _, b := range []*[]byte{s.cursorShape.Load(), s.cursorPos.Load()} {
		if b != nil {
			pc.SendCursor(*b)
		}
	}
}

var errNoViewer = errors.New("sharer: no viewer connected")

func (s *session) startPeer() {
	var pc *peer.Conn
	pc, err := peer.New(peer.Config{
		ICEServers:         s.ice,
		ICETransportPolicy: s.icePolicy,
		Signal: func(env wire.Envelope) error {
			s.send(env)
			return nil
		},
		OnKeyframeRequest: s.pipe.requestKeyframe,
		OnBitrate:         s.pipe.setBitrate,
		OnMaxFPS:          s.pipe.setMaxFPS,
		OnData:            s.onData,
		OnState: func(st rtc.State) {
			// Never waits: the peer reports StateClosed from Close, which
			// the loop itself calls. When the loop is far behind the state
			// is dropped; a later one follows.
			s.q.TryPost(func() {
				if pc == s.peerConn() {
					s.onPeerState(st)
				}
			})
		},
		Logger:        s.cfg.Logger,
		SettingEngine: s.cfg.PeerSettings,
	})
	if err != nil {
		s.logger.Error("peer connection setup failed", "err", err)
		return
	}
	s.refMu.Lock()
	s.pc = pc
	s.refMu.Unlock()
	s.watch = s.newPathWatch()
	s.watch.Update(rtc.StateConnecting) // the unreachable deadline runs from the first offer
	s.resendCursor(pc)
	if err := pc.Start(s.ctx); err != nil {
		s.logger.Warn("offer failed", "err", err)
	}
}

func (s *session) closePeer() {
	s.refMu.Lock()
	pc := s.pc
	s.pc = nil
	s.refMu.Unlock()
	if s.watch != nil {
		s.watch.Stop()
		s.watch = nil
	}
	if pc != nil {
		pc.Close()
	}
}

func (s *session) onPeerState(st rtc.State) {
	if s.watch != nil {
		// The blip/drop rule: control is dropped by the watch, not here.
		s.watch.Update(st)
	}
	switch st {
	case rtc.StateConnected:
		// The security code of this DTLS connection: a new connection (a
		// new peer after a reconnect or a daemon restart) has a new one.
		sas := ""
		if pc := s.peerConn(); pc != nil {
			sas = pc.SAS()
		}
		s.setStatus(func(x *wire.SharerStatus) { x.Connected, x.SAS = true, sas })
		s.mediaUp.Store(true)
		s.pipe.requestKeyframe()
		if pc := s.peerConn(); pc != nil {
			// Candidate types only, never addresses: enough to tell a direct
			// path from a relayed one when a network misbehaves.
			p := pc.Stats().Path
			s.logger.Info("media path", "local", p.Local, "remote", p.Remote, "relay_protocol", p.LocalRelayProtocol,
				"ice_policy", s.icePolicy.String())
		}
	case rtc.StateDisconnected, rtc.StateFailed, rtc.StateClosed:
		s.setStatus(func(x *wire.SharerStatus) { x.Connected, x.SAS = false, "" })
		s.mediaUp.Store(false)
		if s.pipe != nil {
			s.pipe.poke()
		}
	}
}
