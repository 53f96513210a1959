package sharer

import (
	"github.com/quickhelp/quickhelp/daemon/desktop"
	"github.com/quickhelp/quickhelp/wire"
)

// Windows prompts (UAC, Ctrl+Alt+Del, the lock screen) take the input
// desktop away from the sharer's own. While they do, the gate holds
// sharing and control (consent.Gate.SecureDesktop: nothing is sent or
// injected, held keys are released), the helper sees a pause with the
// reason secure-desktop, and the sharer's status carries it so their
// windows and the CLI say to answer the prompt. When the user's desktop is
// back everything resumes by itself, control included: the sharer answered
// a prompt, they did not take control back.

// watchDesktop follows the input desktop while sharing; a worker, started
// on Allow and stopped with the session.
func (s *session) watchDesktop() {
	probe := s.cfg.InputDesktop
	if probe == nil {
		return
	}
	s.workers.Go(func() {
		desktop.Watch(s.ctx, desktop.Config{Probe: probe, Logger: s.logger, OnChange: func(secure bool) bool {
			// Never blocks: the session may be tearing down and waiting for
			// this worker. A change not taken is offered again.
			return s.q.TryPost(func() { s.onSecureDesktop(secure) })
		}})
	})
}

// onSecureDesktop runs on the loop when the input desktop changed.
func (s *session) onSecureDesktop(secure bool) {
	if err := s.gate.SecureDesktop(secure); err != nil {
		return // ended, or already so
	}
	var reason wire.Reason
	if secure {
		reason = wire.ReasonSecureDesktop
	}
	s.setStatus(func(st *wire.SharerStatus) { st.Desktop = reason })
	if !secure && s.gate.MaySend() {
		s.pipe.requestKeyframe()
		if pc := s.peerConn(); pc != nil {
			s.resendCursor(pc)
		}
	}
	s.pipe.poke()
	s.send(s.viewEnvelope())
}

// viewEnvelope is what tells the helper whether the picture flows: a pause
// with the reason while a Windows prompt holds it, a plain pause while the
// sharer paused, else resume.
func (s *session) viewEnvelope() wire.Envelope {
	switch st := s.gate.State(); {
	case st.Secure:
		return wire.Envelope{Type: wire.TypePause, Reason: wire.ReasonSecureDesktop}
	case st.Paused:
		return wire.Envelope{Type: wire.TypePause}
	}
	return wire.Envelope{Type: wire.TypeResume}
}
