package wine_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// winePrograms are set by scripts/wine-test.sh.
type winePrograms struct {
	wine, sharerExe string
}

func setup(t *testing.T) winePrograms {
	t.Helper()
	p := winePrograms{wine: os.Getenv("QUICKHELP_WINE"), sharerExe: os.Getenv("QUICKHELP_WINE_SHARER")}
	if p.wine == "" || p.sharerExe == "" || os.Getenv("WINEPREFIX") == "" {
		t.Skip("runs under scripts/wine-test.sh (make test-wine), which sets QUICKHELP_WINE, QUICKHELP_WINE_SHARER and WINEPREFIX")
	}
	return p
}

// sharer runs quickhelp-sharer.exe under wine with args.
func (p winePrograms) sharer(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.wine, append([]string{p.sharerExe}, args...)...)
	// A wineserver or desktop process that wine starts on the way inherits
	// the output pipes and outlives the program: do not wait for them.
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// helperEnd records what the helper's session WebSocket receives.
type helperEnd struct {
	mu   sync.Mutex
	envs []wire.Envelope
}

func (h *helperEnd) count(typ string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.envs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func (h *helperEnd) types() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s []string
	for _, e := range h.envs {
		s = append(s, e.Type)
	}
	return strings.Join(s, " ")
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The real Windows daemon joins a real service's session from wine, offers
// nothing before the sharer allows (through its pipe, with the CLI), and
// offers a WebRTC connection once allowed.
func TestWineSharerJoinsAndWaitsForAllow(t *testing.T) {
	p := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := servertest.Start(t)

	api, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	created := env.CreateSession(t, env.HelperToken(t))
	sess, err := api.Connect(ctx, created.SessionID, created.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	h := &helperEnd{}
	go func() {
		for ev := range sess.Events() {
			if ev.Kind == client.EventMessage {
				h.mu.Lock()
				h.envs = append(h.envs, ev.Envelope)
				h.mu.Unlock()
			}
		}
	}()

	var out strings.Builder
	join := p.sharer(ctx, "--server", env.URL, "--consent", "local", "join", created.Code)
	join.Stdout, join.Stderr = &out, &out
	if err := join.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = p.sharer(context.Background(), "stop").Run()
		done := make(chan struct{})
		go func() { join.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			join.Process.Kill()
			<-done
		}
		t.Logf("quickhelp-sharer.exe join:\n%s", out.String())
	}()

	// The daemon answers on its pipe and waits for the sharer's answer.
	eventually(t, "the daemon to ask for consent", time.Minute, func() bool {
		b, err := p.sharer(ctx, "status").CombinedOutput()
		return err == nil && strings.Contains(strings.ToLower(string(b)), "allow")
	})
	time.Sleep(time.Second)
	if n := h.count(wire.TypeOffer); n != 0 {
		t.Fatalf("the daemon offered %d times before Allow (helper saw: %s)", n, h.types())
	}

	if b, err := p.sharer(ctx, "allow").CombinedOutput(); err != nil {
		t.Fatalf("quickhelp-sharer.exe allow: %v\n%s", err, b)
	}
	eventually(t, "the consent and an offer after Allow", time.Minute, func() bool {
		return h.count(wire.TypeConsent) > 0 && h.count(wire.TypeOffer) > 0
	})
}
