package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Limits of the terminal answer reader: a line longer than maxAnswerLine is
// cut (an answer is "y" or "n"), and at most maxQueuedLines unread lines are
// kept (the oldest are dropped; they would be discarded anyway).
const (
	maxAnswerLine  = 256
	maxQueuedLines = 16
)

// answerReader reads the terminal's answers. Only a line typed after a
// question was asked answers it: anything typed before (type-ahead, perhaps
// dictated by the caller) is discarded. Lines are stamped with the question
// generation current when their first byte arrived; Discard starts a new
// generation and flushes the terminal's pending input.
type answerReader struct {
	flush func() // discards input the OS holds (terminal); optional

	mu sync.Mutex
	// gen is the current question generation; guarded by mu, as are the two
	// fields below it.
	gen    uint64
	queue  []stampedLine
	closed bool
	ready  chan struct{} // capacity 1: a line was queued or input ended
}

type stampedLine struct {
	text string
	gen  uint64
}

// newAnswerReader starts reading r until it ends. The reader goroutine
// never blocks on its consumer, so input typed before a question is read
// (and stamped as old) as soon as it arrives.
func newAnswerReader(r io.Reader) *answerReader {
	a := &answerReader{flush: terminalFlusher(r), ready: make(chan struct{}, 1)}
	go a.read(r)
	return a
}

func (a *answerReader) read(r io.Reader) {
	defer func() {
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		a.signal()
	}()
	buf := make([]byte, 512)
	var line []byte
	var lineGen uint64
	started := false
	for {
		n, err := r.Read(buf)
		a.mu.Lock()
		g := a.gen
		a.mu.Unlock()
		for _, b := range buf[:n] {
			if !started {
				started, lineGen = true, g
			}
			if b == '\n' {
				a.push(stampedLine{text: strings.TrimSuffix(string(line), "\r"), gen: lineGen})
				line, started = line[:0], false
				continue
			}
			if len(line) < maxAnswerLine {
				line = append(line, b)
			}
		}
		if err != nil {
			return
		}
	}
}

func (a *answerReader) push(l stampedLine) {
	a.mu.Lock()
	if len(a.queue) == maxQueuedLines {
		a.queue = append(a.queue[:0], a.queue[1:]...)
	}
	a.queue = append(a.queue, l)
	a.mu.Unlock()
	a.signal()
}

func (a *answerReader) signal() {
	select {
	case a.ready <- struct{}{}:
	default:
	}
}

// Discard forgets everything typed so far, including what the terminal
// still holds, and returns the generation whose lines answer the question
// about to be asked.
func (a *answerReader) Discard() uint64 {
	a.mu.Lock()
	a.gen++
	g := a.gen
	a.queue = a.queue[:0]
	a.mu.Unlock()
	if a.flush != nil {
		a.flush()
	}
	return g
}

// Next returns the first line of generation gen or later. ok is false when
// ctx ends or the input is closed.
func (a *answerReader) Next(ctx context.Context, gen uint64) (line string, ok bool) {
	for {
		a.mu.Lock()
		for len(a.queue) > 0 {
			l := a.queue[0]
			a.queue = a.queue[1:]
			if l.gen >= gen {
				a.mu.Unlock()
				return l.text, true
			}
		}
		closed := a.closed
		a.mu.Unlock()
		if closed {
			return "", false
		}
		select {
		case <-a.ready:
		case <-ctx.Done():
			return "", false
		}
	}
}

// printable makes text from the helper or the service safe to print on a
// terminal: ANSI escape sequences are removed, other C0 and C1 control
// characters, DEL and bidirectional overrides are dropped, invalid UTF-8
// becomes U+FFFD, and line breaks and tabs become spaces, so nothing the
// helper sends can move the cursor, clear the screen or fake a prompt.
func printable(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b || r == 0x9b || r == 0x9d || r == 0x90 || r == 0x9e || r == 0x9f || r == 0x98:
			i += escapeLen(s[i:])
			continue
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		case isBidiControl(r):
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// escapeLen is the length of the escape sequence at the start of s (which
// starts with ESC or a C1 introducer): CSI runs to its final byte, OSC, DCS,
// SOS, PM and APC to BEL or ST, any other ESC sequence is two bytes.
func escapeLen(s string) int {
	r, size := utf8.DecodeRuneInString(s)
	kind := r
	if r == 0x1b {
		if len(s) < 2 {
			return len(s)
		}
		switch s[1] {
		case '[':
			kind = 0x9b
		case ']':
			kind = 0x9d
		case 'P':
			kind = 0x90
		case 'X':
			kind = 0x98
		case '^':
			kind = 0x9e
		case '_':
			kind = 0x9f
		default:
			_, n := utf8.DecodeRuneInString(s[1:])
			return 1 + n
		}
		size = 2
	}
	rest := s[size:]
	if kind == 0x9b { // CSI: parameter and intermediate bytes, then one final byte 0x40–0x7e
		for j := 0; j < len(rest); j++ {
			c := rest[j]
			if c >= 0x40 && c <= 0x7e {
				return size + j + 1
			}
			if c < 0x20 || c > 0x7e { // not part of a CSI: the sequence is cut here
				return size + j
			}
		}
		return len(s)
	}
	// A string sequence: up to BEL, ESC \ or the C1 ST (U+009C).
	for j := 0; j < len(rest); {
		c, n := utf8.DecodeRuneInString(rest[j:])
		switch {
		case c == 0x07 || c == 0x9c:
			return size + j + n
		case c == 0x1b && j+1 < len(rest) && rest[j+1] == '\\':
			return size + j + 2
		}
		j += n
	}
	return len(s)
}

func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}
