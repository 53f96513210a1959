//go:build quickhelp_test

package main

import (
	"context"
	"sync"
	"testing"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// watchedSession starts a service, creates a session and connects its
// helper until the test ends. endedWith reports the reason the helper was
// last told the session ended ("" until then).
func watchedSession(t *testing.T, ctx context.Context) (env *servertest.Env, created wire.CreateSessionResponse, endedWith func() wire.Reason) {
	t.Helper()
	env = servertest.Start(t)
	created = env.CreateSession(t, env.HelperToken(t))
	api, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	helper, err := api.Connect(ctx, created.SessionID, created.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { helper.Close() })
	var mu sync.Mutex
	var ended wire.Reason
	go func() {
		for ev := range helper.Events() {
			if ev.Kind == client.EventMessage && ev.Envelope.Type == wire.TypeSessionEnded {
				mu.Lock()
				ended = ev.Envelope.Reason
				mu.Unlock()
			}
		}
	}()
	return env, created, func() wire.Reason {
		mu.Lock()
		defer mu.Unlock()
		return ended
	}
}
