package sharer

import (
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// "Keep sharing?": every keepEvery of sharing the sharer is asked again,
// and sharing stops when nobody answers within keepGrace. The question
// lives here, in the session loop beside the consent timeout, so every UI
// (the app's windows, the tray, the CLI, the terminal) sees the same
// question and a session answered from the CLI, or whose window was
// closed, is re-confirmed too.

// Shipped values; only test builds change them (keepSharingTimes).
const (
	DefaultKeepSharingEvery = 30 * time.Minute
	DefaultKeepSharingGrace = 5 * time.Minute
)

// startKeepSharing arms the first question; sharing has just begun.
func (s *session) startKeepSharing() {
	s.keepGrace.Stop()
	s.keepTimer.Reset(s.d.keepEvery)
}

// askKeepSharing runs on the loop when keepEvery of sharing has passed.
func (s *session) askKeepSharing() {
	if st := s.status().State; st != wire.SharerSharing && st != wire.SharerPaused {
		return
	}
	s.logger.Info("asking whether to keep sharing")
	until := time.Now().Add(s.d.keepGrace).UnixMilli()
	s.keepGrace.Reset(s.d.keepGrace)
	// Nothing the helper draws may cover the question.
	s.keepAsked.Store(true)
	if s.overlay != nil {
		_ = s.overlay.Hide(true)
	}
	s.setStatus(func(st *wire.SharerStatus) { st.KeepSharingUntil = until })
	s.d.events.publish(wire.LocalEvent{Type: wire.EventKeepSharing, Status: ptr(s.status())})
}

// keepSharing answers "yes": the question goes away and comes back after
// another keepEvery.
func (s *session) keepSharing() error {
	if !s.keepGrace.Stop() {
		return refuse(wire.ReasonNotAllowed, "nothing is asking whether to keep sharing")
	}
	s.keepTimer.Reset(s.d.keepEvery)
	s.keepAsked.Store(false)
	if s.overlay != nil {
		_ = s.overlay.Hide(s.annotationsHidden(s.gate.State()))
	}
	s.setStatus(func(st *wire.SharerStatus) { st.KeepSharingUntil = 0 })
	return nil
}

// keepSharingExpired: nobody answered in time, so sharing stops and the
// helper is told why.
func (s *session) keepSharingExpired() {
	s.logger.Info("keep sharing was not answered in time: stopping")
	s.setStatus(func(st *wire.SharerStatus) { st.KeepSharingUntil = 0 })
	s.requestEnd(wire.ReasonKeepSharingTimeout)
}
