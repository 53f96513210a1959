package gethelp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// The service's link to the daemon: calls in the page's order, the daemon
// started when nothing answers, and its event stream kept open.

// caller runs daemon calls one at a time, in the order the page asked.
func (s *SharerService) caller() {
	rtc.Consume(s.ctx.Done(), s.calls, func(c sharerCall) {
		resp, err := s.do(c.req)
		s.post(func() { c.then(resp, err) })
	})
}

func (s *SharerService) do(req wire.LocalRequest) (wire.LocalResponse, error) {
	if req.Cmd == wire.LocalJoin {
		if err := s.ensureDaemon(); err != nil {
			return wire.LocalResponse{}, err
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
	defer cancel()
	return s.client.Call(ctx, req)
}

// ensureDaemon starts the daemon when nothing answers on the socket and
// waits until it does.
func (s *SharerService) ensureDaemon() error {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.StartTimeout)
	defer cancel()
	if _, err := s.client.Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus}); err == nil {
		return nil
	} else if !errors.Is(err, localapi.ErrNotRunning) {
		return err
	}
	s.stopMu.Lock()
	started := s.stopDaemon != nil
	s.stopMu.Unlock()
	if !started {
		s.log.Info("starting the sharer daemon")
		stop, err := s.cfg.Daemon.Start(s.ctx, s.cfg.Socket)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNoDaemon, err)
		}
		s.stopMu.Lock()
		s.stopDaemon = stop
		s.stopMu.Unlock()
	}
	for {
		if _, err := s.client.Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus}); err == nil {
			s.kickWatcher()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: it did not answer in time", ErrNoDaemon)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lostSession reports whether the daemon went away in the middle of a
// session this window joined (it crashed or was killed): not ended, and not
// restarting the computer. Loop goroutine only.
func (s *SharerService) lostSession() bool {
	st := s.st
	return st.Available && st.SessionID != "" && st.SessionID == s.joinedHere &&
		(sharing(st.State) || st.State == wire.SharerAwaitingConsent)
}

// restartDaemon starts the daemon again after it went away mid-session: it
// takes the session up (its resume ticket, within the service's resume
// window) and asks the sharer again before anything is shown.
func (s *SharerService) restartDaemon() {
	s.log.Info("the sharer daemon went away during the session; starting it again")
	s.stopMu.Lock()
	stop := s.stopDaemon
	s.stopDaemon = nil
	s.stopMu.Unlock()
	if stop != nil {
		stop(true) // reaps the one that is gone (one that hangs keeps its session)
	}
	if err := s.ensureDaemon(); err != nil {
		s.log.Warn("the sharer daemon could not be started again", "err", err)
	}
}

func (s *SharerService) kickWatcher() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// watch keeps the daemon's event stream open and feeds it to the loop.
func (s *SharerService) watch() {
	for s.ctx.Err() == nil {
		events, err := s.client.Events(s.ctx)
		if err == nil {
			// Subscribed first, then the snapshot: no change falls between.
			ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
			resp, serr := s.client.Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus})
			cancel()
			s.post(func() {
				s.st.Available = true
				if serr == nil && resp.Status != nil {
					s.applyStatus(*resp.Status)
					return
				}
				s.emit()
			})
			for ev := range events {
				s.post(func() { s.onEvent(ev) })
			}
			lost := make(chan bool, 1)
			s.post(func() {
				lost <- s.lostSession()
				s.st.Available = false
				s.emit()
			})
			select {
			case l := <-lost:
				if l {
					s.restartDaemon()
				}
			case <-s.ctx.Done():
				return
			}
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.kick:
		case <-time.After(s.cfg.RetryInterval):
		}
	}
}
