package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeApp writes a script standing in for the quickhelp app: it appends its
// arguments to a log and stays up until its stop file appears.
func fakeApp(t *testing.T) (exe, log, stop string) {
	t.Helper()
	dir := t.TempDir()
	exe, log, stop = filepath.Join(dir, "quickhelp"), filepath.Join(dir, "calls"), filepath.Join(dir, "stop")
	script := "#!/bin/sh\necho \"$DISPLAY $*\" >> " + log + "\nwhile [ ! -e " + stop + " ]; do sleep 0.05; done\n"
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe, log, stop
}

func calls(log string) []string {
	b, _ := os.ReadFile(log)
	return strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", " | "))
}

func TestPromptWindow(t *testing.T) {
	exe, log, stop := fakeApp(t)
	listeners := 0
	w := newPromptWindow(":42", "/run/sock", func() int { return listeners }, slog.New(slog.DiscardHandler))
	w.find = func() (string, error) { return exe, nil }

	listeners = 1
	w.ask()
	time.Sleep(200 * time.Millisecond)
	if got := calls(log); len(got) != 0 {
		t.Fatalf("prompt window started while a UI listens: %q", got)
	}

	listeners = 0
	w.ask()
	w.ask() // a second question while the window is up opens no second window
	deadline := time.Now().Add(10 * time.Second)
	for len(calls(log)) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := strings.Join(calls(log), " ")
	if got != ":42 prompt --sharer-socket /run/sock" {
		t.Fatalf("prompt window started as %q, want %q", got, ":42 prompt --sharer-socket /run/sock")
	}
	os.WriteFile(stop, nil, 0o644)
	for {
		w.mu.Lock()
		running := w.running
		w.mu.Unlock()
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the window's exit was not noticed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPromptWindowNeedsADisplay(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows always has a desktop")
	}
	exe, log, _ := fakeApp(t)
	w := newPromptWindow("", "/run/sock", func() int { return 0 }, slog.New(slog.DiscardHandler))
	w.find = func() (string, error) { return exe, nil }
	w.ask()
	time.Sleep(200 * time.Millisecond)
	if got := calls(log); len(got) != 0 {
		t.Fatalf("prompt window started without a display: %q", got)
	}
}
