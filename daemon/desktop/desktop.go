// Package desktop tells whether the desktop that receives the keyboard and
// mouse is the sharer's own.
//
// On Windows a UAC prompt, the Ctrl+Alt+Del screen and the lock screen run
// on Winlogon's secure desktop. A program of the user cannot capture it
// and must not drive it: while it is the input desktop the daemon stops
// injecting and sending, tells both people why, and carries on by itself
// when the user's desktop ("Default") is back. The OS is reached through
// Probe, so the decision and the watching are tested with fakes; the real
// Probe (OpenInputDesktop) exists on Windows only. X11 has no such
// desktops and no Probe.
package desktop

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
)

// UserDesktop is the name of the interactive user's desktop in the
// window station WinSta0.
const UserDesktop = "Default"

// DefaultInterval is how often Watch asks the Probe: a prompt is noticed
// within half a second, at the cost of one cheap system call.
const DefaultInterval = 500 * time.Millisecond

// ErrAccessDenied is what a Probe returns when the input desktop cannot be
// opened because it is not this user's (Windows' answer for the secure
// desktop).
var ErrAccessDenied = errors.New("desktop: access to the input desktop denied")

// Probe reads the input desktop at the OS boundary.
type Probe interface {
	// InputDesktop returns the name of the desktop that receives input.
	InputDesktop() (name string, err error)
}

// Secure decides from one probe whether the input desktop is not the
// user's. It fails closed: a desktop that cannot be opened, for whatever
// reason, is treated as secure, so no input is injected while it is
// unknown whose desktop it is.
func Secure(name string, err error) bool {
	return err != nil || !strings.EqualFold(name, UserDesktop)
}

// Config configures Watch.
type Config struct {
	// Probe is required.
	Probe Probe
	// Interval between probes; 0 means DefaultInterval.
	Interval time.Duration
	// OnChange is told when the input desktop becomes secure (true) or the
	// user's again (false); the first probe is reported only when secure.
	// It returns false when it could not take the change now (a full
	// queue); the change is reported again at the next probe.
	OnChange func(secure bool) bool
	// Logger is optional; nil discards.
	Logger *slog.Logger
}

// Watch probes until ctx ends.
func Watch(ctx context.Context, cfg Config) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "desktop")
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	secure, warned := false, false
	for {
		name, err := cfg.Probe.InputDesktop()
		if err != nil && !errors.Is(err, ErrAccessDenied) && !warned {
			// Unexpected: logged once, and treated as a secure desktop.
			logger.Warn("cannot read the input desktop; input is held while it is unknown", "err", err)
			warned = true
		}
		if now := Secure(name, err); now != secure && cfg.OnChange(now) {
			secure = now
			logger.Info("input desktop changed", "secure", secure)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
