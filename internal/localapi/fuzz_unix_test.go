//go:build unix

package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

// socketPair returns the two ends of a connected Unix stream socket: the
// client end can close its writing half, which a net.Pipe cannot.
func socketPair(t *testing.T) (client *net.UnixConn, server net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return conn(fds[0]).(*net.UnixConn), conn(fds[1])
}

// expectedAnswers counts the answers the server owes for input: one per
// line up to and including an "events" request, none after an over-long
// line (the connection ends there).
func expectedAnswers(input []byte) int {
	sc := bufio.NewScanner(bytes.NewReader(input))
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		var req wire.LocalRequest
		if json.Unmarshal(sc.Bytes(), &req) == nil && req.Cmd == wire.LocalEvents {
			break
		}
	}
	return n
}

// FuzzServeConn feeds arbitrary bytes from a local client to the code that
// reads request lines: it must not panic, must answer every complete
// request line with one well-formed response, and must stop at a line
// longer than MaxLineBytes.
func FuzzServeConn(f *testing.F) {
	for _, s := range []string{
		`{"cmd":"status"}` + "\n",
		`{"cmd":"join","code":"ABCD-EFGH"}` + "\n" + `{"cmd":"chat","text":"hi"}` + "\n",
		`{"cmd":"events"}` + "\n" + `{"cmd":"status"}` + "\n",
		"{not json\n\n\r\n",
		`{"cmd":"bogus"}`,
		`{"cmd":1}` + "\n" + `null` + "\n" + `[]` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := &Server{logger: slog.New(slog.DiscardHandler), ctl: &recorder{}, ctx: ctx, cancel: cancel}
		client, server := socketPair(t)
		defer client.Close()
		done := make(chan struct{})
		go func() { defer close(done); s.serveConn(server) }()
		go func() {
			_, _ = client.Write(input)
			_ = client.CloseWrite()
		}()
		got := 0
		sc := bufio.NewScanner(client)
		sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
		for sc.Scan() {
			var resp wire.LocalResponse
			if err := json.Unmarshal(sc.Bytes(), &resp); err != nil {
				t.Fatalf("answer %d %q is not a response: %v", got, sc.Bytes(), err)
			}
			got++
		}
		<-done
		if want := expectedAnswers(input); got != want {
			t.Fatalf("serveConn(%q) gave %d answers, want %d", input, got, want)
		}
	})
}
