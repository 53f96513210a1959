//go:build linux

package integration_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/internal/localapi"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// startScreen starts Xvfb on the package's display at width×height, or
// skips the test where Xvfb is not installed. It stops with the test.
func startScreen(t *testing.T, ctx context.Context, width, height int) *xvfb.Server {
	t.Helper()
	x, err := xvfb.Start(ctx, e2eDisplay, width, height)
	if err == xvfb.ErrNotInstalled {
		t.Skip("Xvfb not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	return x
}

// signInHelper returns a client of env's service and the token of its
// signed-in helper.
func signInHelper(t *testing.T, ctx context.Context, env *servertest.Env) (*client.Client, string) {
	t.Helper()
	api, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	login, err := api.Login(ctx, env.HelperEmail, env.HelperPassword)
	if err != nil {
		t.Fatal(err)
	}
	return api, login.Token
}

// serveLocal puts the daemon behind its local socket, as the command line
// reaches it, until the test ends. It returns a client of that socket and
// do, which sends one command and fails the test unless it succeeds.
func serveLocal(t *testing.T, ctx context.Context, d *sharer.Daemon) (local localapi.Client, do func(string) wire.SharerStatus) {
	t.Helper()
	sock := filepath.Join(shortTempDir(t), "sharer.sock")
	lapi, err := localapi.Serve(sock, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lapi.Close() })
	local = localapi.Client{Path: sock}
	do = func(cmd string) wire.SharerStatus {
		t.Helper()
		resp, err := local.Call(ctx, wire.LocalRequest{Cmd: cmd})
		if err != nil || !resp.OK {
			t.Fatalf("%s: %v %q", cmd, err, resp.Error)
		}
		return *resp.Status
	}
	return local, do
}
