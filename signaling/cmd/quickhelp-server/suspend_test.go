package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/wire"
)

// post sends a JSON request with an optional bearer token and decodes a
// 2xx answer into out.
func post(t *testing.T, url, token string, body, out any) int {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 300 && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func dialSession(ctx context.Context, base, id, token string) (*websocket.Conn, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + strings.Replace(wire.PathSessionWS, "{id}", id, 1)
	return websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
}

// readUntil reads envelopes from c until one of type typ arrives or ctx ends.
func readUntil(ctx context.Context, c *websocket.Conn, typ string) (wire.Envelope, error) {
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return wire.Envelope{}, err
		}
		env, err := wire.DecodeEnvelope(b)
		if err == nil && env.Type == typ {
			return env, nil
		}
	}
}

// TestCommandLineSuspendEndsLiveSession is the reported case end to end
// with real processes: a running quickhelp-server with both participants
// connected, then `quickhelp-server user disable` (or `org disable`) run as
// a separate process on the same data directory. Both sides get
// session-ended within 2 s and the helper's reconnect with its old token is
// refused.
func TestCommandLineSuspendEndsLiveSession(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real server")
	}
	bin := buildServer(t)
	for _, tt := range []struct{ name, flag, value string }{
		{"user", "--email", "alex@example.com"},
		{"org", "--name", "Contoso"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			if out, err := exec.Command(bin, "demo", "--data", data).CombinedOutput(); err != nil {
				t.Fatalf("demo: %v\n%s", err, out)
			}
			pw, err := os.ReadFile(filepath.Join(data, "demo-password.txt"))
			if err != nil {
				t.Fatal(err)
			}
			base, _ := startServerProcess(t, bin, data)
			var lr wire.LoginResponse
			if st := post(t, base+wire.PathLogin, "", wire.LoginRequest{Email: "alex@example.com", Password: strings.TrimSpace(string(pw))}, &lr); st != http.StatusOK {
				t.Fatalf("login: %d", st)
			}
			var cr wire.CreateSessionResponse
			if st := post(t, base+wire.PathSessions, lr.Token, nil, &cr); st != http.StatusCreated {
				t.Fatalf("create: %d", st)
			}
			var jr wire.JoinResponse
			if st := post(t, base+wire.PathJoin, "", wire.JoinRequest{Code: cr.Code}, &jr); st != http.StatusOK {
				t.Fatalf("join: %d", st)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			helper, _, err := dialSession(ctx, base, cr.SessionID, cr.Token)
			if err != nil {
				t.Fatalf("helper dial: %v", err)
			}
			defer helper.CloseNow()
			if _, err := readUntil(ctx, helper, wire.TypeHello); err != nil {
				t.Fatalf("helper hello: %v", err)
			}
			sharer, _, err := dialSession(ctx, base, jr.SessionID, jr.Token)
			if err != nil {
				t.Fatalf("sharer dial: %v", err)
			}
			defer sharer.CloseNow()
			if _, err := readUntil(ctx, helper, wire.TypePeerJoined); err != nil {
				t.Fatalf("helper waiting for the sharer: %v", err)
			}

			cmd := exec.Command(bin, tt.name, "disable", "--data", data, tt.flag, tt.value)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s disable: %v\n%s", tt.name, err, out)
			}
			disabled := time.Now()
			ended, cancelEnded := context.WithDeadline(ctx, disabled.Add(2*time.Second))
			defer cancelEnded()
			for who, c := range map[string]*websocket.Conn{"helper": helper, "sharer": sharer} {
				env, err := readUntil(ended, c, wire.TypeSessionEnded)
				if err != nil {
					t.Fatalf("%s: no session-ended within 2 s of the command: %v", who, err)
				}
				if env.Reason != wire.ReasonPolicy {
					t.Errorf("%s: session-ended reason %q, want %q", who, env.Reason, wire.ReasonPolicy)
				}
			}
			c, resp, err := dialSession(ctx, base, cr.SessionID, cr.Token)
			if err == nil {
				c.CloseNow()
				t.Fatal("helper reconnected with its old token after the suspension")
			}
			if resp == nil || resp.StatusCode < 400 {
				t.Errorf("helper reconnect: %v %v, want an HTTP refusal", resp, err)
			}
		})
	}
}
