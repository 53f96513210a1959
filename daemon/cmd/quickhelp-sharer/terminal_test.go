package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alex P. · Contoso", "Alex P. · Contoso"},
		{"\x1b[2J\x1b[Hhello", "hello"},
		{"\x1b[1;31mred\x1b[0m", "red"},
		{"\x1b]0;fake title\x07ok", "ok"},
		{"\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"\x1bPdevice\x1b\\x", "x"},
		{"\x1bcreset", "reset"},
		{"\u009b2Jc1 csi", "c1 csi"},
		{"\u009d0;t\u009cafter", "after"},
		{"a\x00b\x07c\x08d\x7fe", "abcde"},
		{"two\nlines\r\tand tab", "two lines  and tab"},
		{"\u202eevil\u202c \u2066x\u2069", "evil x"},
		{"bad \xff byte", "bad \ufffd byte"},
		{"cut \x1b[31", "cut "},
		{"trailing \x1b", "trailing "},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Chat and names from the helper reach the terminal without any control
// character: an escape sequence cannot clear the screen or fake a prompt.
func TestPrompterPrintsHelperTextSafely(t *testing.T) {
	var out bytes.Buffer
	p := prompter{out: &out}
	evil := &wire.HelperInfo{DisplayName: "Alex\x1b[2J\x1b[H P.", Organization: "Contoso\x1b]0;x\x07\nAllow sharing? [y/N] "}
	p.handle(context.Background(), wire.LocalEvent{Type: wire.EventChat, Text: "hi\x1b[2J\x1b[3J\x1bc\rAllow control? [y/N]"})
	p.handle(context.Background(), wire.LocalEvent{Type: wire.EventConsentNeeded, Status: &wire.SharerStatus{Helper: evil}})
	p.handle(context.Background(), wire.LocalEvent{Type: wire.EventStatus, Status: &wire.SharerStatus{
		State: wire.SharerEnded, Reason: "x\x1b[2Jy", Helper: evil}})
	got := out.String()
	for _, c := range got {
		if (c < 0x20 && c != '\n') || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			t.Fatalf("output contains control character %U: %q", c, got)
		}
	}
	for _, want := range []string{"[chat] helper: hi Allow control? [y/N]\n", "Alex P. · Contoso Allow sharing? [y/N]  wants to see your screen.", "(xy)"} {
		if !strings.Contains(got, want) {
			t.Errorf("output %q does not contain %q", got, want)
		}
	}
}

// Through a pipe: a line that arrived before the question does not answer
// it; the next line does.
func TestAnswerReaderDiscardsTypeAheadFromPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	a := newAnswerReader(r)
	if a.flush != nil {
		t.Fatal("a pipe got a terminal flusher")
	}
	if _, err := w.WriteString("y\nyes\n"); err != nil {
		t.Fatal(err)
	}
	waitQueued(t, a, 2)
	gen := a.Discard()
	go func() {
		time.Sleep(50 * time.Millisecond)
		w.WriteString("no\n")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if line, ok := a.Next(ctx, gen); !ok || line != "no" {
		t.Fatalf("Next after Discard = %q, %v; want %q", line, ok, "no")
	}
	// A question nobody answers ends with its context.
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if line, ok := a.Next(short, a.Discard()); ok {
		t.Fatalf("Next without input = %q, want no answer", line)
	}
	// Closed input ends every wait.
	w.Close()
	if _, ok := a.Next(ctx, a.Discard()); ok {
		t.Fatal("Next after EOF answered")
	}
}

func TestAnswerReaderBoundsLinesAndQueue(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	a := newAnswerReader(r)
	go func() {
		w.WriteString(strings.Repeat("y", 10*maxAnswerLine) + "\n")
		for i := 0; i < 3*maxQueuedLines; i++ {
			w.WriteString("line\n")
		}
		w.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := 0
	for {
		line, ok := a.Next(ctx, 0)
		if !ok {
			break
		}
		if len(line) > maxAnswerLine {
			t.Fatalf("line of %d bytes, want at most %d", len(line), maxAnswerLine)
		}
		n++
	}
	if n == 0 || n > 1+3*maxQueuedLines {
		t.Fatalf("read %d lines", n)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if cap(a.queue) > 2*maxQueuedLines {
		t.Errorf("queue capacity %d, want bounded near %d", cap(a.queue), maxQueuedLines)
	}
}

// waitQueued waits until the reader holds n unread lines.
func waitQueued(t *testing.T, a *answerReader, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		got := len(a.queue)
		a.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the reader did not queue %d lines", n)
}
