package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/internal/i18n"
	"github.com/quickhelp/quickhelp/wire"
)

func TestParse(t *testing.T) {
	tests := []struct {
		args    []string
		cmd     string
		rest    []string
		consent string
		wantErr bool
	}{
		{[]string{"join", "ABCD-EFGH"}, "join", []string{"ABCD-EFGH"}, "local", false},
		{[]string{"--consent", "terminal", "join", "abcd efgh"}, "join", []string{"abcd efgh"}, "terminal", false},
		{[]string{"join", "ABCD-EFGH", "--consent", "terminal"}, "join", []string{"ABCD-EFGH"}, "terminal", false},
		{[]string{"chat", "hello", "there"}, "chat", []string{"hello", "there"}, "local", false},
		{[]string{"--consent", "remote", "join", "X"}, "", nil, "", true},
		{[]string{}, "", nil, "", true},
		{[]string{"--bogus"}, "", nil, "", true},
	}
	for _, tt := range tests {
		cmd, rest, o, err := parse(tt.args, nil)
		if (err != nil) != tt.wantErr {
			t.Errorf("parse(%q) error = %v, want error %v", tt.args, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if cmd != tt.cmd || strings.Join(rest, "|") != strings.Join(tt.rest, "|") || o.consentMode != tt.consent {
			t.Errorf("parse(%q) = %q %q %q, want %q %q %q", tt.args, cmd, rest, o.consentMode, tt.cmd, tt.rest, tt.consent)
		}
	}
}

func TestRunErrorsArePlain(t *testing.T) {
	dir, err := os.MkdirTemp("", "qh")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "none.sock")
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"--socket", sock, "allow"}, 1, "no session is running"},
		{[]string{"--socket", sock, "teleport"}, 2, "unknown command"},
		{[]string{"join"}, 2, "needs the code"},
		{[]string{"--server", "http://help.example.org", "join", "ABCD-EFGH"}, 2, "must start with https://"},
		{[]string{"--version"}, 0, ""},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(tt.args, strings.NewReader(""), &out, &errOut)
		if code != tt.code {
			t.Errorf("run(%q) = %d, want %d (stderr %q)", tt.args, code, tt.code, errOut.String())
		}
		if !strings.Contains(errOut.String(), tt.contains) {
			t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, errOut.String(), tt.contains)
		}
		if strings.Contains(errOut.String(), "goroutine") || strings.Contains(errOut.String(), "panic") {
			t.Errorf("run(%q) printed a stack trace", tt.args)
		}
	}
}

func TestDescribe(t *testing.T) {
	h := &wire.HelperInfo{DisplayName: "Alex P.", Organization: "Contoso"}
	tests := []struct {
		st   wire.SharerStatus
		want string
	}{
		{wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlNone, Helper: h}, "Sharing your screen with Alex P. · Contoso; view only."},
		{wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlGranted, Helper: h}, "Sharing your screen with Alex P. · Contoso; the helper controls your mouse and keyboard."},
		{wire.SharerStatus{State: wire.SharerPaused, Control: wire.ControlNone, Helper: h}, "Sharing is paused (Alex P. · Contoso); view only."},
		{wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlRequested, Helper: h, SAS: "123 456"}, "Sharing your screen with Alex P. · Contoso; the helper asks for control; security code 123 456."},
		{wire.SharerStatus{State: wire.SharerEnded, Reason: wire.ReasonSharerDenied}, "The session has ended. Your screen was not shared."},
		{wire.SharerStatus{State: wire.SharerEnded}, "The session has ended."},
		{wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlNone, Helper: h, KeepSharingUntil: time.Date(2026, 12, 1, 15, 4, 0, 0, time.Local).UnixMilli()},
			"Sharing your screen with Alex P. · Contoso; view only. Keep sharing? Sharing stops at 15:04 unless you answer. Answer: quickhelp-sharer keep-sharing."},
		{wire.SharerStatus{State: wire.SharerEnded, Reason: wire.ReasonKeepSharingTimeout}, "The session has ended. Sharing stopped because “Keep sharing?” was not answered in time."},
		{wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlNone, Helper: h, Network: wire.ReasonNetworkBlocked},
			"Sharing your screen with Alex P. · Contoso; view only. Your helper cannot reach your screen: your network probably blocks it. Ask your network administrator to allow outgoing connections to the QuickHelp service on TCP port 443."},
		{wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlGranted, Helper: h, Desktop: wire.ReasonSecureDesktop},
			"Sharing your screen with Alex P. · Contoso; the helper controls your mouse and keyboard. Answer the Windows prompt on your screen. Your helper cannot see it or use it; sharing goes on by itself afterwards."},
	}
	for _, tt := range tests {
		if got := describe(tt.st); got != tt.want {
			t.Errorf("describe(%+v) = %q, want %q", tt.st, got, tt.want)
		}
	}
}

func TestRefusalText(t *testing.T) {
	tests := []struct {
		resp wire.LocalResponse
		want string
	}{
		{wire.LocalResponse{Reason: wire.ReasonWrongCode, Error: "that code is not valid"}, wire.ReasonWrongCode.SharerText()},
		{wire.LocalResponse{Reason: wire.ReasonMachinePolicy, Error: "Your organisation only allows help from: Contoso"},
			wire.ReasonMachinePolicy.SharerText() + " (Your organisation only allows help from: Contoso)"},
		{wire.LocalResponse{Reason: "brand-new", Error: "a newer daemon's words\x1b[2J"}, "a newer daemon's words"},
		{wire.LocalResponse{Reason: "brand-new"}, "Something went wrong."},
	}
	for _, tt := range tests {
		if got := refusalText(tt.resp); got != tt.want {
			t.Errorf("refusalText(%+v) = %q, want %q", tt.resp, got, tt.want)
		}
	}
}

// The control question tells the sharer to compare the security code.
func TestPrompterShowsSecurityCode(t *testing.T) {
	var out bytes.Buffer
	p := prompter{out: &out}
	h := &wire.HelperInfo{DisplayName: "Alex P.", Organization: "Contoso"}
	p.handle(context.Background(), wire.LocalEvent{Type: wire.EventControlRequest, Status: &wire.SharerStatus{
		State: wire.SharerSharing, Control: wire.ControlRequested, Helper: h, SAS: "123 456"}})
	if want := "Ask Alex P. to read you the security code: 123 456."; !strings.Contains(out.String(), want) {
		t.Errorf("control question %q does not contain %q", out.String(), want)
	}
	out.Reset()
	p.handle(context.Background(), wire.LocalEvent{Type: wire.EventControlRequest, Status: &wire.SharerStatus{
		State: wire.SharerSharing, Control: wire.ControlRequested, Helper: h}})
	if strings.Contains(out.String(), "security code") {
		t.Errorf("control question without a connection %q mentions a security code", out.String())
	}
}

// In a Wayland session (XWayland's DISPLAY set too) "join" refuses at once
// with the reason in plain words, before any service is asked.
func TestJoinRefusedInWayland(t *testing.T) {
	t.Setenv("XDG_SESSION_TYPE", "wayland")
	t.Setenv("WAYLAND_DISPLAY", "wayland-0")
	t.Setenv("DISPLAY", ":0")
	t.Setenv("PATH", t.TempDir()) // no prompt window is started
	sock := filepath.Join(t.TempDir(), "s.sock")
	var out, errOut bytes.Buffer
	// The service address is never dialled: nothing listens there.
	code := run([]string{"--socket", sock, "--server", "http://127.0.0.1:9", "join", "ABCD-EFGH"}, strings.NewReader(""), &out, &errOut)
	if code != 1 {
		t.Errorf("join in Wayland exited %d, want 1 (stderr %q)", code, errOut.String())
	}
	if want := wire.ReasonWaylandUnsupported.SharerText(); !strings.Contains(errOut.String(), want) {
		t.Errorf("join in Wayland said %q, want %q", errOut.String(), want)
	}
}

// With a Japanese locale the command line speaks Japanese: its own
// messages, the status line and the daemon's reasons.
func TestJapaneseOutput(t *testing.T) {
	lang = i18n.Japanese
	t.Cleanup(func() { lang = i18n.English })
	var out, errOut bytes.Buffer
	if code := run([]string{"join"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Fatalf("join without a code exited %d", code)
	}
	if want := "join にはサポート担当者から伝えられたコードが必要です"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
	h := &wire.HelperInfo{DisplayName: "Alex P.", Organization: "Contoso"}
	if got, want := describe(wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlGranted, Helper: h}),
		"Alex P. · Contoso と画面を共有しています。サポート担当者がマウスとキーボードを操作しています。"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	if got, want := refusalText(wire.LocalResponse{Reason: wire.ReasonWaylandUnsupported}), wire.ReasonWaylandUnsupported.SharerTextJa(); got != want {
		t.Errorf("refusalText = %q, want %q", got, want)
	}
}
