package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/wire"
)

const scamWarning = "Only continue if you contacted this helper yourself. " +
	"Nobody from a bank, a software company or the police will ever call you first and ask for this."

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
		return "The helper"
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
			fmt.Fprintf(p.out, "\nQuickHelp restarted during your session with %s. Go on sharing your screen with them?\n"+
				"Nothing is shown until you allow it, and they do not get control back unless you allow that again.\n", helperName(ev.Status))
		} else {
			fmt.Fprintf(p.out, "\n%s wants to see your screen.\n%s\n", helperName(ev.Status), scamWarning)
		}
		if p.terminal {
			p.ask(ctx, "Allow sharing your screen? [y/N] ", wire.LocalAllow, wire.LocalDeny)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, "To allow: quickhelp-sharer allow    To refuse: quickhelp-sharer deny")
		}
	case wire.EventControlRequest:
		name := "The helper"
		if ev.Status != nil && ev.Status.Helper != nil {
			name = printable(ev.Status.Helper.DisplayName)
		}
		fmt.Fprintf(p.out, "\n%s wants to control your mouse and keyboard.\n", name)
		if ev.Status != nil && ev.Status.SAS != "" {
			fmt.Fprintf(p.out, "Ask %s to read you the security code: %s. Allow only if it is the same.\n", name, printable(ev.Status.SAS))
		}
		if p.terminal {
			p.ask(ctx, "Allow control? [y/N] ", wire.LocalAllowControl, wire.LocalDenyControl)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, "To allow: quickhelp-sharer allow-control    To refuse: quickhelp-sharer deny-control")
		}
	case wire.EventKeepSharing:
		fmt.Fprintf(p.out, "\nYou have been sharing your screen for a while. Keep sharing?\n%s\n", keepSharingDeadline(ev.Status))
		if p.terminal {
			p.askKeepSharing(ctx, ev.Status)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, "To keep sharing: quickhelp-sharer keep-sharing    To stop: quickhelp-sharer stop")
		}
	case wire.EventRestartRequest:
		fmt.Fprintf(p.out, "\n%s wants to restart your computer. Save your work first.\n"+
			"After you sign in again, QuickHelp asks whether to go on sharing with them.\n", helperName(ev.Status))
		if p.terminal {
			p.ask(ctx, "Restart now? [y/N] ", wire.LocalAllowRestart, wire.LocalDenyRestart)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, "To restart: quickhelp-sharer allow-restart    To refuse: quickhelp-sharer deny-restart")
		}
	case wire.EventChat:
		fmt.Fprintf(p.out, "[chat] helper: %s\n", printable(ev.Text))
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
		return "Sharing stops soon unless you answer."
	}
	return "Sharing stops at " + time.UnixMilli(st.KeepSharingUntil).Format("15:04") + " unless you answer."
}

// askKeepSharing asks "Keep sharing?" in the terminal until the daemon's
// deadline; yes keeps sharing, no stops, no answer lets the daemon stop.
func (p *prompter) askKeepSharing(ctx context.Context, st *wire.SharerStatus) {
	gen := p.answers.Discard()
	fmt.Fprint(p.out, "Keep sharing? [y/N] ")
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
		return "No session."
	case wire.SharerJoining:
		return "Joining…"
	case wire.SharerAwaitingConsent:
		if st.Resumed {
			return "Waiting for you to allow or deny going on sharing with " + helperName(&st) + "."
		}
		return "Waiting for you to allow or deny screen sharing."
	case wire.SharerRestarting:
		return "Your computer is restarting. After you sign in, QuickHelp asks whether to go on sharing with " + helperName(&st) + "."
	case wire.SharerSharing, wire.SharerPaused:
		s := "Sharing your screen with " + helperName(&st)
		if st.State == wire.SharerPaused {
			s = "Sharing is paused (" + helperName(&st) + ")"
		}
		switch st.Control {
		case wire.ControlGranted:
			s += "; the helper controls your mouse and keyboard"
		case wire.ControlRequested:
			s += "; the helper asks for control"
		default:
			s += "; view only"
		}
		if st.SAS != "" {
			s += "; security code " + printable(st.SAS)
		}
		if st.RestartUntil > 0 {
			s += ". The helper asks to restart your computer. Answer: quickhelp-sharer allow-restart or deny-restart"
		}
		if st.KeepSharingUntil > 0 {
			s += ". Keep sharing? " + keepSharingDeadline(&st) + " Answer: quickhelp-sharer keep-sharing"
		}
		s += "."
		if st.Desktop != "" {
			// A Windows prompt holds sharing and control until answered.
			s += " " + st.Desktop.SharerText()
		}
		if st.Network != "" {
			// The media path is down or cannot be made: said in plain words.
			s += " " + st.Network.SharerText()
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
		return "The session has ended."
	case !r.Known():
		return "The session has ended (" + printable(string(r)) + ")."
	}
	return "The session has ended. " + r.SharerText()
}

// refusalText is the English text of a refused local request: the daemon's
// reason, with its detail where the detail names more than the reason
// (the policy's own words, an unexpected failure).
func refusalText(resp wire.LocalResponse) string {
	if !resp.Reason.Known() && resp.Error != "" {
		return printable(resp.Error)
	}
	t := resp.Reason.SharerText()
	if (resp.Reason == wire.ReasonMachinePolicy || resp.Reason == wire.ReasonFailed) && resp.Error != "" {
		t += " (" + printable(resp.Error) + ")"
	}
	return t
}

func printJSON(w io.Writer, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintln(w, string(b))
}
