package main

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// promptWindow starts the QuickHelp app in prompt mode (a small frameless,
// always-on-top window at the tray corner) when the daemon needs the local
// user's answer, a display exists and no QuickHelp window is listening
// already. Without a display the terminal or CLI answers instead.
type promptWindow struct {
	display, socket string
	listeners       func() int // local UIs streaming events
	logger          *slog.Logger
	find            func() (string, error)

	// mu guards running and warned.
	mu      sync.Mutex
	running bool
	warned  bool
}

func newPromptWindow(display, socket string, listeners func() int, logger *slog.Logger) *promptWindow {
	return &promptWindow{display: display, socket: socket, listeners: listeners, logger: logger, find: findApp}
}

// findApp looks for the quickhelp app next to this program, then on PATH.
func findApp() (string, error) {
	name := "quickhelp"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

// ask shows the prompt window unless one is up or a UI is listening.
func (w *promptWindow) ask() {
	if runtime.GOOS != "windows" && w.display == "" {
		return
	}
	if w.listeners() > 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		return
	}
	exe, err := w.find()
	if err != nil {
		if !w.warned {
			w.warned = true
			w.logger.Info("no QuickHelp app to show the question in; answer with quickhelp-sharer allow or deny")
		}
		return
	}
	cmd := exec.Command(exe, "prompt", "--sharer-socket", w.socket)
	cmd.Env = append(os.Environ(), "DISPLAY="+w.display)
	if err := cmd.Start(); err != nil {
		w.logger.Warn("could not open the prompt window", "err", err)
		return
	}
	w.running = true
	go func() {
		err := cmd.Wait()
		if err != nil {
			w.logger.Debug("prompt window exited", "err", err)
		}
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
	}()
}
