package localapi

// These tests make the real Win32 calls of the pipe: on Windows, or on
// Linux under wine (scripts/wine-test.sh). Wine has one user, so a second
// user's process cannot be shown here; the refusal of another user's SID
// is tested with fakes in owner_test.go.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/quickhelp/quickhelp/wire"
)

var pipeSeq atomic.Int32

// testPipe is a pipe name no other test process uses.
func testPipe(t *testing.T) string {
	return fmt.Sprintf(`\\.\pipe\quickhelp-test-%d-%d`, os.Getpid(), pipeSeq.Add(1))
}

func TestWindowsTokens(t *testing.T) {
	me, err := tokens{}.CurrentUser()
	if err != nil || !validSID(me) {
		t.Fatalf("CurrentUser() = %q, %v, want a SID", me, err)
	}
	got, err := tokens{}.ProcessUser(uint32(os.Getpid()))
	if err != nil || got != me {
		t.Fatalf("ProcessUser(own pid) = %q, %v, want %q", got, err, me)
	}
	if sid, err := (tokens{}).ProcessUser(0x7ffffff0); err == nil {
		t.Fatalf("ProcessUser(no such process) = %q, want an error", sid)
	}
	if p := defaultPath(); p != pipePrefix+me {
		t.Fatalf("defaultPath() = %q, want %q", p, pipePrefix+me)
	}
}

func TestWindowsPipeCallChecksBothEnds(t *testing.T) {
	path := testPipe(t)
	rec := &recorder{}
	srv, err := Serve(path, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The client end names the server's process: this one.
	c, err := dial(ctx, path)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	pid, err := serverProcess(c)
	c.Close()
	if err != nil || pid != uint32(os.Getpid()) {
		t.Fatalf("serverProcess = %d, %v, want %d", pid, err, os.Getpid())
	}

	// A whole call passes both checks (the server checks the client too).
	resp, err := Client{Path: path}.Call(ctx, wire.LocalRequest{Cmd: wire.LocalStatus})
	if err != nil || !resp.OK {
		t.Fatalf("Call(status) = %+v, %v", resp, err)
	}
}

func TestWindowsPipeDACLIsOwnerOnly(t *testing.T) {
	path := testPipe(t)
	srv, err := Serve(path, &recorder{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, err := pipeHandle(c)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatalf("GetSecurityInfo: %v", err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("DACL: %v (nil DACL: %v)", err, dacl == nil)
	}
	me, _ := tokens{}.CurrentUser()
	if dacl.AceCount != 1 {
		t.Fatalf("DACL %s has %d entries, want 1 (this user)", sd, dacl.AceCount)
	}
	var ace *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(dacl, 0, &ace); err != nil {
		t.Fatal(err)
	}
	sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
	if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || sid.String() != me {
		t.Fatalf("DACL entry: type %d for %s, want allow for %s (%s)", ace.Header.AceType, sid, me, sd)
	}
}

// A pipe that already exists under the name, created first by someone
// else (here with CreateNamedPipeW, as a squatter would), is never joined:
// the daemon does not start serving on it.
func TestWindowsPipeTakenFirstIsNotJoined(t *testing.T) {
	if !firstInstanceEnforced(t) {
		// Wine 8 creates every instance as if it were the first; there the
		// client-side owner check is what protects (TestCheckOwner).
		t.Skip("this system does not enforce FILE_FLAG_FIRST_PIPE_INSTANCE (wine 8 does not); runs on Windows")
	}
	path := testPipe(t)
	h, err := createPipe(path)
	if err != nil {
		t.Fatalf("CreateNamedPipe: %v", err)
	}
	defer windows.CloseHandle(h)

	srv, err := Serve(path, &recorder{}, nil)
	if err == nil {
		srv.Close()
		t.Fatal("Serve on a pipe name someone else created first succeeded")
	}
	// The squatter here runs as the same user (wine has one), so the
	// daemon reports a running daemon; another user's gets ErrNotOwner.
	if !strings.Contains(err.Error(), "already running") && !strings.Contains(err.Error(), "Access is denied") {
		t.Errorf("Serve on a taken name: %v", err)
	}
}

func createPipe(path string) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, err
	}
	return windows.CreateNamedPipe(name, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_FIRST_PIPE_INSTANCE,
		windows.PIPE_TYPE_BYTE, windows.PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, nil)
}

// firstInstanceEnforced reports whether a second CreateNamedPipe with
// FILE_FLAG_FIRST_PIPE_INSTANCE on one name fails, as Windows documents.
func firstInstanceEnforced(t *testing.T) bool {
	path := testPipe(t)
	h1, err := createPipe(path)
	if err != nil {
		t.Fatalf("CreateNamedPipe: %v", err)
	}
	defer windows.CloseHandle(h1)
	h2, err := createPipe(path)
	if err == nil {
		windows.CloseHandle(h2)
		return false
	}
	return true
}
