package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/wire"
)

const scamWarning = "Only continue if you contacted this helper yourself. " +
	"Nobody from a bank, a software company or the police will ever call you first and ask for this."

// prompter shows what happens and, in terminal mode, asks the local user.
type prompter struct {
	d        *sharer.Daemon
	out      io.Writer
	answers  <-chan string
	terminal bool
	window   *promptWindow // nil: no prompt window (terminal mode)
}

func helperName(st *wire.SharerStatus) string {
	if st == nil || st.Helper == nil {
		return "The helper"
	}
	if st.Helper.Organization == "" {
		return st.Helper.DisplayName
	}
	return st.Helper.DisplayName + " · " + st.Helper.Organization
}

// handle reacts to one daemon event; it reports whether the session ended.
func (p *prompter) handle(ctx context.Context, ev wire.LocalEvent) (ended bool) {
	switch ev.Type {
	case wire.EventConsentNeeded:
		fmt.Fprintf(p.out, "\n%s wants to see your screen.\n%s\n", helperName(ev.Status), scamWarning)
		if p.terminal {
			p.ask(ctx, "Allow sharing your screen? [y/N] ", wire.LocalAllow, wire.LocalDeny)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, "To allow: quickhelp-sharer allow    To refuse: quickhelp-sharer deny")
		}
	case wire.EventControlRequest:
		name := "The helper"
		if ev.Status != nil && ev.Status.Helper != nil {
			name = ev.Status.Helper.DisplayName
		}
		fmt.Fprintf(p.out, "\n%s wants to control your mouse and keyboard.\n", name)
		if p.terminal {
			p.ask(ctx, "Allow control? [y/N] ", wire.LocalAllowControl, wire.LocalDenyControl)
		} else {
			p.showWindow()
			fmt.Fprintln(p.out, "To allow: quickhelp-sharer allow-control    To refuse: quickhelp-sharer deny-control")
		}
	case wire.EventChat:
		fmt.Fprintf(p.out, "[chat] helper: %s\n", ev.Text)
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

// ask reads one answer; anything but yes is a refusal. The daemon's own
// consent timeout still applies while the question is open.
func (p *prompter) ask(ctx context.Context, question, yes, no string) {
	fmt.Fprint(p.out, question)
	var line string
	select {
	case line = <-p.answers:
	case <-ctx.Done():
		return
	}
	cmd := no
	if a := strings.ToLower(strings.TrimSpace(line)); a == "y" || a == "yes" {
		cmd = yes
	}
	if resp := p.d.Do(ctx, wire.LocalRequest{Cmd: cmd}); !resp.OK {
		fmt.Fprintln(p.out, resp.Error)
	}
}

func readLines(r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

// describe is the one-line status shown to the sharer.
func describe(st wire.SharerStatus) string {
	switch st.State {
	case wire.SharerIdle:
		return "No session."
	case wire.SharerJoining:
		return "Joining…"
	case wire.SharerAwaitingConsent:
		return "Waiting for you to allow or deny screen sharing."
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
		return s + "."
	case wire.SharerEnded:
		return "The session has ended (" + endReason(st.Reason) + ")."
	}
	return st.State
}

func endReason(r string) string {
	switch r {
	case wire.ReasonHelperEnded:
		return "the helper ended it"
	case wire.ReasonSharerEnded:
		return "you stopped it"
	case wire.ReasonSharerDenied:
		return "you did not allow sharing"
	case wire.ReasonTimeout:
		return "the connection was lost"
	case wire.ReasonReported:
		return "you reported the helper"
	case wire.ReasonShutdown:
		return "the service is restarting"
	case "":
		return "done"
	}
	return r
}

func printJSON(w io.Writer, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintln(w, string(b))
}
