package sharer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// A machine policy that refuses the helper's organisation stops the join
// with the policy's words, and the helper is told at once.
func TestJoinRefusedByHelperPolicy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env := servertest.Start(t)
	api, _ := client.New(env.URL)
	created := env.CreateSession(t, env.HelperToken(t))
	hsess, err := api.Connect(ctx, created.SessionID, created.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer hsess.Close()

	const refusal = "Your organisation only allows help from: Fabrikam"
	var seen wire.HelperInfo
	d, err := sharer.New(sharer.Config{
		ServerURL: env.URL,
		AllowHelper: func(h wire.HelperInfo) error {
			seen = h
			return errors.New(refusal)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.Join(ctx, created.Code, "")
	if err == nil || err.Error() != refusal {
		t.Fatalf("Join error = %v, want %q", err, refusal)
	}
	if seen.Organization != "Contoso" {
		t.Errorf("policy saw organisation %q, want Contoso", seen.Organization)
	}
	if st := d.Status(); st.State != wire.SharerIdle {
		t.Errorf("status after a refused join = %q, want idle", st.State)
	}
	for {
		select {
		case ev := <-hsess.Events():
			if ev.Kind == client.EventMessage && ev.Envelope.Type == wire.TypeSessionEnded {
				if ev.Envelope.Reason != wire.ReasonPolicy {
					t.Errorf("session ended with %q, want %q", ev.Envelope.Reason, wire.ReasonPolicy)
				}
				return
			}
			if ev.Kind == client.EventClosed {
				if ev.Reason != wire.ReasonPolicy {
					t.Errorf("session closed with %q, want %q", ev.Reason, wire.ReasonPolicy)
				}
				return
			}
		case <-ctx.Done():
			t.Fatal("the helper was not told the session ended")
		}
	}
}

// A server the policy does not allow is refused before anything is sent.
func TestJoinRefusedByServerPolicy(t *testing.T) {
	d, err := sharer.New(sharer.Config{
		ServerURL: "http://127.0.0.1:1",
		AllowServer: func(string) error {
			return errors.New("Your organisation only allows QuickHelp services at: https://help.contoso.com")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.Join(context.Background(), "ABCD-EFGH", "")
	if err == nil || err.Error() != "Your organisation only allows QuickHelp services at: https://help.contoso.com" {
		t.Fatalf("Join error = %v", err)
	}
}
