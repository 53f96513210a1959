package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quickhelp/quickhelp/signaling/server/servertest"
)

// openPTY opens a pseudo-terminal pair: the test types into master, the
// program reads its terminal from slave.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals:", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close(); master.Close() })
	// The terminal echoes what is typed back to master; drain it so the
	// line discipline never blocks.
	go func() {
		buf := make([]byte, 1024)
		for {
			if _, err := master.Read(buf); err != nil {
				return
			}
		}
	}()
	return master, slave
}

// On a terminal, a partly typed answer that the terminal still holds is
// flushed (TCIFLUSH) when the question is asked.
func TestAnswerReaderFlushesTerminal(t *testing.T) {
	master, slave := openPTY(t)
	a := newAnswerReader(slave)
	if a.flush == nil {
		t.Fatal("a terminal got no flusher")
	}
	if _, err := master.WriteString("y"); err != nil { // no Enter yet
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the pty hands input to the line discipline asynchronously
	gen := a.Discard()
	if _, err := master.WriteString("\n"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if line, ok := a.Next(ctx, gen); !ok || line != "" {
		t.Fatalf("answer after flush = %q, %v; want an empty line (the typed-ahead y discarded)", line, ok)
	}
}

// The whole terminal flow against a real service: "yes" and a half-typed
// "y" typed before the question do not answer it; Enter typed after it is a
// refusal, and the session ends as denied.
func TestTerminalConsentIgnoresTypeAhead(t *testing.T) {
	env := servertest.Start(t)
	code := env.CreateSession(t, env.HelperToken(t)).Code
	master, slave := openPTY(t)
	if _, err := master.WriteString("yes\ny"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)

	sock := filepath.Join(t.TempDir(), "s.sock")
	out, errOut := &servertest.SyncBuffer{}, &servertest.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"--consent", "terminal", "--server", env.URL, "--socket", sock, "--display", "", "join", code},
			slave, out, errOut)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Allow sharing your screen? [y/N]") {
		if time.Now().After(deadline) {
			t.Fatalf("no question; stdout %q, stderr %q", out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the type-ahead had every chance to be taken as the answer
	if strings.Contains(out.String(), "Sharing your screen") {
		t.Fatalf("type-ahead answered the question: %q", out.String())
	}
	if _, err := master.WriteString("\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("run = %d; stderr %q", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the session did not end; stdout %q", out.String())
	}
	if !strings.Contains(out.String(), "Your screen was not shared") || strings.Contains(out.String(), "Sharing your screen") {
		t.Fatalf("stdout = %q, want the session ended as denied", out.String())
	}
}
