package console

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quickhelp/quickhelp/app/bridge/bridgetest"
	"github.com/quickhelp/quickhelp/internal/policy"
	"github.com/quickhelp/quickhelp/wire"
)

// filePolicy reads a policy file through the real policy package.
type filePolicy string

func (f filePolicy) load() policy.Policy {
	p, _ := policy.Load(policy.Config{File: string(f)})
	return p
}
func (f filePolicy) Check() error                 { return f.load().Check() }
func (f filePolicy) CheckServer(url string) error { return f.load().CheckServer(url) }

func writePolicy(t *testing.T, body string) filePolicy {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return filePolicy(p)
}

func TestControllerMachinePolicy(t *testing.T) {
	t.Run("disabled", func(t *testing.T) {
		sink := &bridgetest.Sink{}
		c, err := NewController(ControllerConfig{Sink: sink, Server: "http://127.0.0.1:1", Policy: writePolicy(t, `{"Disabled": true}`)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.PageConnected()
		st := sink.WaitEvent(t, "the disabled state", func(e wire.BridgeEvent) bool {
			return e.Type == wire.BridgeState && e.Status != nil && e.Status.State == wire.UIStateDisabled
		})
		if st.Status.Reason != wire.ReasonMachinePolicy || !strings.Contains(st.Status.Detail, "turned off by your organisation") {
			t.Errorf("disabled reason = %q, detail %q, want %q and the policy's words", st.Status.Reason, st.Status.Detail, wire.ReasonMachinePolicy)
		}
		c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeLogin, Email: "a@example.com", Password: "x"})
		sink.WaitEvent(t, "the login refused", func(e wire.BridgeEvent) bool {
			return e.Type == wire.BridgeError && e.Reason == wire.ReasonMachinePolicy
		})
	})
	t.Run("server not allowed", func(t *testing.T) {
		sink := &bridgetest.Sink{}
		c, err := NewController(ControllerConfig{Sink: sink, Server: "http://127.0.0.1:1",
			Policy: writePolicy(t, `{"AllowedServers": ["https://help.contoso.com"]}`)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeLogin, Email: "a@example.com", Password: "x"})
		e := sink.WaitEvent(t, "the login refused", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeError })
		if e.Reason != wire.ReasonMachinePolicy || !strings.Contains(e.Message, "help.contoso.com") {
			t.Errorf("refusal = %q %q, want %q naming the allowed service", e.Reason, e.Message, wire.ReasonMachinePolicy)
		}
	})
}

// TestControllerRefusesPlainHTTP: signing in to http:// on another
// computer is refused in plain words before anything is sent.
func TestControllerRefusesPlainHTTP(t *testing.T) {
	sink := &bridgetest.Sink{}
	c, err := NewController(ControllerConfig{Sink: sink, Server: "http://help.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.HandleRequest(wire.BridgeRequest{Type: wire.BridgeLogin, Email: "a@example.com", Password: "x"})
	e := sink.WaitEvent(t, "the login refused", func(e wire.BridgeEvent) bool { return e.Type == wire.BridgeError })
	if e.Reason != wire.ReasonBadServerURL || !strings.Contains(e.Message, "https://") {
		t.Errorf("refusal = %q %q, want %q asking for https://", e.Reason, e.Message, wire.ReasonBadServerURL)
	}
}
