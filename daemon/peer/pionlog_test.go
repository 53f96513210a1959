package peer

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestPionLogsStayAtDebug(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  bool
	}{
		{slog.LevelDebug, true},
		{slog.LevelInfo, false},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		l := pionLogs{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.level}))}.NewLogger("gcc")
		l.Errorf("feedback %d lost", 7)
		l.Info("plain info")
		l.Trace("never")
		out := buf.String()
		if got := strings.Contains(out, "feedback 7 lost") && strings.Contains(out, "plain info"); got != tc.want {
			t.Errorf("handler at %v: logged = %v, want %v (%q)", tc.level, got, tc.want, out)
		}
		if strings.Contains(out, "never") {
			t.Errorf("trace message logged: %q", out)
		}
	}
}
