package app

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/app/bridge"
)

var testAssets = fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>QuickHelp</title>")}}

func TestRunConsolePrintsURLAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- RunConsole(ctx, BackendConfig{Listen: "127.0.0.1:0", Assets: testAssets, Server: "https://help.example.org"}, pw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the console line: %v", err)
	}
	m := regexp.MustCompile(`^QuickHelp console: (http://127\.0\.0\.1:\d+)/#token=([A-Za-z0-9_-]{43})\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("console line %q does not match the documented form", line)
	}
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(m[1] + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != bridge.CSP {
		t.Errorf("GET / = %d with bridge.CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunConsole returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunConsole did not stop after cancel")
	}
}

func TestStartBackendValidates(t *testing.T) {
	tests := []struct{ name, listen string }{
		{"all interfaces", "0.0.0.0:0"},
		{"host name", "localhost:0"},
		{"public address", "192.0.2.1:0"},
		{"no port", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := StartBackend(BackendConfig{Listen: tt.listen, Assets: testAssets})
			if err == nil {
				b.Close()
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("StartBackend(%q) error = %v, want ErrInvalidConfig", tt.listen, err)
			}
		})
	}
	if _, err := StartBackend(BackendConfig{Assets: nil}); !errors.Is(err, bridge.ErrInvalidConfig) {
		t.Errorf("StartBackend without assets error = %v, want bridge.ErrInvalidConfig", err)
	}
}

func TestDesktopBridgeURL(t *testing.T) {
	b, err := StartBackend(BackendConfig{Assets: testAssets, AllowedOrigins: []string{"wails://wails"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	u := NewDesktop(b).BridgeURL()
	if !strings.HasPrefix(u, "ws://127.0.0.1:") || !strings.HasSuffix(u, bridge.Path+"?token="+b.Bridge.Token()) {
		t.Errorf("BridgeURL() = %q", u)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"wails://wails"}}})
	if err != nil {
		t.Fatalf("desktop origin refused: %v", err)
	}
	c.CloseNow()
}

// grabRecorder stands in for the native keyboard grab (an OS boundary).
type grabRecorder struct{ calls []bool }

func (g *grabRecorder) GrabKeyboard(on bool) bool {
	g.calls = append(g.calls, on)
	return on
}

func TestDesktopGrabKeyboard(t *testing.T) {
	d := &Desktop{}
	if d.GrabKeyboard(true) {
		t.Error("GrabKeyboard(true) without a native grab = true, want false (the page then says the keyboard is not held)")
	}
	g := &grabRecorder{}
	WithKeyboardGrab(d, g)
	if !d.GrabKeyboard(true) || d.GrabKeyboard(false) {
		t.Error("GrabKeyboard did not report the native grab's answer")
	}
	if !slices.Equal(g.calls, []bool{true, false}) {
		t.Errorf("native grab calls = %v, want [true false]", g.calls)
	}
}
