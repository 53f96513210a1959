package bridge

import (
	"strings"
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

func TestChatLogKeepsTheNewestWithinLimits(t *testing.T) {
	var l ChatLog
	for i := range MaxChatHistoryLines + 50 {
		l.Add(wire.BridgeChatLine{From: wire.RoleHelper, Text: string(rune('a' + i%26)), TS: int64(i)})
	}
	got := l.Lines()
	if len(got) != MaxChatHistoryLines {
		t.Fatalf("kept %d lines, want %d", len(got), MaxChatHistoryLines)
	}
	if got[0].TS != 50 || got[len(got)-1].TS != MaxChatHistoryLines+49 {
		t.Errorf("kept lines %d..%d, want the newest (50..%d)", got[0].TS, got[len(got)-1].TS, MaxChatHistoryLines+49)
	}

	// The byte budget: 4,000-byte lines, at most 64 KiB of text kept.
	l.Reset()
	if len(l.Lines()) != 0 {
		t.Fatal("Reset kept lines")
	}
	big := strings.Repeat("x", wire.MaxChatRunes)
	for i := range 40 {
		l.Add(wire.BridgeChatLine{From: wire.RoleSharer, Text: big, TS: int64(i)})
	}
	got = l.Lines()
	total := 0
	for _, line := range got {
		total += len(line.Text)
	}
	if total > MaxChatHistoryBytes || len(got) != MaxChatHistoryBytes/len(big) {
		t.Errorf("kept %d lines of %d bytes, want %d lines within %d bytes", len(got), total, MaxChatHistoryBytes/len(big), MaxChatHistoryBytes)
	}
	if got[len(got)-1].TS != 39 {
		t.Errorf("newest kept line %d, want 39", got[len(got)-1].TS)
	}

	// Lines returns a copy: the caller cannot change the log.
	got[0].Text = "changed"
	if l.Lines()[0].Text == "changed" {
		t.Error("Lines shares its backing array")
	}
}
