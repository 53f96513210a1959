package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/internal/i18n"
	"github.com/quickhelp/quickhelp/wire"
)

// lang is the language of everything this program prints, from the
// locale (LC_ALL, LC_MESSAGES, LANG; the display language on Windows). It
// is read once at start; the tests set English.
var lang = i18n.FromEnv(os.Getenv)

// prompter shows what happens and, in terminal mode, asks the local user.
type prompter struct {
	d        *sharer.Daemon
	out      io.Writer
	answers  *answerReader // terminal mode only
	terminal bool
	window   *promptWindow // nil: no prompt window (terminal mode)
	// timeout bounds how long a terminal question waits for its answer (the
	// daemon's consent timeout: it has counted as Deny by then).
	timeout time.Duration
}

// helperName is the helper's name and organisation as the service reports
// them, made safe to print (see printable).
func helperName(st *wire.SharerStatus) string {
	if st == nil || st.Helper == nil {
		return lang.T(i18n.SharerHelperUnknown)
	}
	if st.Helper.Organization == "" {
		return printable(st.Helper.DisplayName)
	}
	return printable(st.Helper.DisplayName + " · " + st.Helper.Organization)
}

// handle reacts to one daemon event; it reports whether the session ended.
func (p *prompter) handle(ctx context.Context, ev wire.LocalEvent) (ended bool) {
	switch ev.Type {
	case wire.EventConsentNeeded:
		if ev.Status != nil && ev.Status.Resumed {
			fmt.Fprintf(p.out, "\n%s\n", lang.T(i18n.SharerResumed, helperName(ev.Status)))
		} else {
			fmt.Fprintf(p.out, "\n%s\n%s\n", lang.T(i18n.SharerWantsScreen, helperName(ev.Status)), lang.T(i18n.SharerScamWarning))
		}
		if p.terminal {
			p.ask(ctx, lang.T(i18n.SharerAskScreen), wire.LocalAllow, wire.LocalDeny)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, lang.T(i18n.SharerHowScreen))
		}
	case wire.EventControlRequest:
		name := lang.T(i18n.SharerHelperUnknown)
		if ev.Status != nil && ev.Status.Helper != nil {
			name = printable(ev.Status.Helper.DisplayName)
		}
		fmt.Fprintf(p.out, "\n%s\n", lang.T(i18n.SharerWantsControl, name))
		if ev.Status != nil && ev.Status.SAS != "" {
			fmt.Fprintln(p.out, lang.T(i18n.SharerCompareSAS, name, printable(ev.Status.SAS)))
		}
		if p.terminal {
			p.ask(ctx, lang.T(i18n.SharerAskControl), wire.LocalAllowControl, wire.LocalDenyControl)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, lang.T(i18n.SharerHowControl))
		}
	case wire.EventKeepSharing:
		fmt.Fprintf(p.out, "\n%s\n%s\n", lang.T(i18n.SharerKeepSharing), keepSharingDeadline(ev.Status))
		if p.terminal {
			p.askKeepSharing(ctx, ev.Status)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, lang.T(i18n.SharerHowKeepSharing))
		}
	case wire.EventRestartRequest:
		fmt.Fprintf(p.out, "\n%s\n", lang.T(i18n.SharerRestartRequest, helperName(ev.Status)))
		if p.terminal {
			p.ask(ctx, lang.T(i18n.SharerAskRestart), wire.LocalAllowRestart, wire.LocalDenyRestart)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, lang.T(i18n.SharerHowRestart))
		}
	case wire.EventChat:
		fmt.Fprintln(p.out, lang.T(i18n.SharerChatLine, printable(ev.Text)))
	case wire.EventStatus:
		if ev.Status != nil {
			fmt.Fprintln(p.out, describe(*ev.Status))
			return ev.Status.State == wire.SharerEnded
		}
	}
	return false
}

func (p *prompter) showWindow() {
	if p.window != nil {
		p.window.ask()
	}
}

// ask reads one answer; anything but yes is a refusal. Whatever was typed
// before the question is discarded first, so only a line typed after it
// answers it. The daemon's own consent timeout still applies while the
// question is open; after it the question is no longer waited for.
func (p *prompter) ask(ctx context.Context, question, yes, no string) {
	gen := p.answers.Discard()
	fmt.Fprint(p.out, question)
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	line, ok := p.answers.Next(ctx, gen)
	if !ok {
		fmt.Fprintln(p.out)
		return
	}
	cmd := no
	if a := strings.ToLower(strings.TrimSpace(line)); a == "y" || a == "yes" {
		cmd = yes
	}
	if resp := p.d.Do(ctx, wire.LocalRequest{Cmd: cmd}); !resp.OK {
		fmt.Fprintln(p.out, refusalText(resp))
	}
}

// keepSharingDeadline says when an unanswered "Keep sharing?" stops sharing.
func keepSharingDeadline(st *wire.SharerStatus) string {
	if st == nil || st.KeepSharingUntil == 0 {
		return lang.T(i18n.SharerStopsSoon)
	}
	return lang.T(i18n.SharerStopsAt, time.UnixMilli(st.KeepSharingUntil).Format("15:04"))
}

// askKeepSharing asks "Keep sharing?" in the terminal until the daemon's
// deadline; yes keeps sharing, no stops, no answer lets the daemon stop.
func (p *prompter) askKeepSharing(ctx context.Context, st *wire.SharerStatus) {
	gen := p.answers.Discard()
	fmt.Fprint(p.out, lang.T(i18n.SharerAskKeepSharing))
	if st != nil && st.KeepSharingUntil > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.UnixMilli(st.KeepSharingUntil))
		defer cancel()
	}
	line, ok := p.answers.Next(ctx, gen)
	if !ok {
		fmt.Fprintln(p.out)
		return
	}
	cmd := wire.LocalStop
	if a := strings.ToLower(strings.TrimSpace(line)); a == "y" || a == "yes" {
		cmd = wire.LocalKeepSharing
	}
	if resp := p.d.Do(ctx, wire.LocalRequest{Cmd: cmd}); !resp.OK {
		fmt.Fprintln(p.out, refusalText(resp))
	}
}

// describe is the one-line status shown to the sharer.
func describe(st wire.SharerStatus) string {
	switch st.State {
	case wire.SharerIdle:
		return lang.T(i18n.StatusIdle)
	case wire.SharerJoining:
		return lang.T(i18n.StatusJoining)
	case wire.SharerAwaitingConsent:
		if st.Resumed {
			return lang.T(i18n.StatusAwaitingResume, helperName(&st))
		}
		return lang.T(i18n.StatusAwaitingConsent)
	case wire.SharerRestarting:
		return lang.T(i18n.StatusRestarting, helperName(&st))
	case wire.SharerSharing, wire.SharerPaused:
		s := lang.T(i18n.StatusSharing, helperName(&st))
		if st.State == wire.SharerPaused {
			s = lang.T(i18n.StatusPaused, helperName(&st))
		}
		switch st.Control {
		case wire.ControlGranted:
			s += lang.T(i18n.StatusControlGranted)
		case wire.ControlRequested:
			s += lang.T(i18n.StatusControlRequested)
		default:
			s += lang.T(i18n.StatusViewOnly)
		}
		if st.SAS != "" {
			s += lang.T(i18n.StatusSAS, printable(st.SAS))
		}
		if st.RestartUntil > 0 {
			s += lang.T(i18n.StatusRestartAsked)
		}
		if st.KeepSharingUntil > 0 {
			s += lang.T(i18n.StatusKeepSharing, keepSharingDeadline(&st))
		}
		s += lang.T(i18n.StatusEnd)
		if st.Desktop != "" {
			// A Windows prompt holds sharing and control until answered.
			s += " " + lang.SharerReason(st.Desktop)
		}
		if st.Network != "" {
			// The media path is down or cannot be made: said in plain words.
			s += " " + lang.SharerReason(st.Network)
		}
		return s
	case wire.SharerEnded:
		return endText(st.Reason)
	}
	return st.State
}

// endText tells the sharer why the session ended; a reason this release
// does not know (from a newer daemon) is shown as it is, made printable.
func endText(r wire.Reason) string {
	switch {
	case r == "":
		return lang.T(i18n.StatusEnded)
	case !r.Known():
		return lang.T(i18n.StatusEndedUnknown, printable(string(r)))
	}
	return lang.T(i18n.StatusEndedReason, lang.SharerReason(r))
}

// refusalText is the text of a refused local request: the daemon's
// reason, with its detail where the detail names more than the reason
// (the policy's own words, an unexpected failure).
func refusalText(resp wire.LocalResponse) string {
	if !resp.Reason.Known() && resp.Error != "" {
		return printable(resp.Error)
	}
	t := lang.SharerReason(resp.Reason)
	if (resp.Reason == wire.ReasonMachinePolicy || resp.Reason == wire.ReasonFailed) && resp.Error != "" {
		t += " (" + printable(resp.Error) + ")"
	}
	return t
}

func printJSON(w io.Writer, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintln(w, string(b))
}
