package bridge

import "github.com/quickhelp/quickhelp/wire"

// Chat history limits: what a reloaded page (or a reopened window) gets back
// of the current session's chat. Older lines are dropped first.
const (
	MaxChatHistoryLines = 200
	MaxChatHistoryBytes = 64 << 10 // text bytes
)

// ChatLog keeps the current session's chat in memory so a page that
// reloads, or a window that is reopened, shows it again. It is never
// written anywhere: it lives as long as the session does in this process.
// It is bounded by MaxChatHistoryLines and MaxChatHistoryBytes, dropping
// the oldest lines. Not safe for concurrent use: its owner's loop goroutine
// uses it.
type ChatLog struct {
	lines []wire.BridgeChatLine
	bytes int
}

// Add appends a line and drops the oldest lines beyond the limits. A line
// longer than the whole byte budget is kept alone (wire.MaxChatRunes keeps
// every line far below it).
func (l *ChatLog) Add(line wire.BridgeChatLine) {
	l.lines = append(l.lines, line)
	l.bytes += len(line.Text)
	drop := 0
	for len(l.lines)-drop > MaxChatHistoryLines || (l.bytes > MaxChatHistoryBytes && len(l.lines)-drop > 1) {
		l.bytes -= len(l.lines[drop].Text)
		drop++
	}
	if drop > 0 {
		// Copy rather than reslice, so the dropped lines' text is freed and
		// the backing array does not grow without bound.
		l.lines = append([]wire.BridgeChatLine(nil), l.lines[drop:]...)
	}
}

// Lines returns a copy of the kept lines, oldest first.
func (l *ChatLog) Lines() []wire.BridgeChatLine {
	return append([]wire.BridgeChatLine{}, l.lines...)
}

// Reset forgets every line (a new session, or back home).
func (l *ChatLog) Reset() {
	l.lines, l.bytes = nil, 0
}
