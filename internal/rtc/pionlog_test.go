package rtc

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/pion/logging"
)

func TestPionLogsStayAtDebug(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		scope string
		log   func(logging.LeveledLogger)
		want  []string // nil: nothing may be logged
	}{
		{"debug handler, error and info", slog.LevelDebug, "gcc", func(l logging.LeveledLogger) {
			l.Errorf("feedback %d lost", 7)
			l.Info("plain info")
			l.Trace("never")
		}, []string{"feedback 7 lost", "plain info", "pion=gcc", "level=DEBUG"}},
		{"debug handler, warning", slog.LevelDebug, "ice", func(l logging.LeveledLogger) {
			l.Errorf("pair %d failed", 7)
			l.Warn("plain warning")
			l.Tracef("never %d", 1)
		}, []string{"pair 7 failed", "plain warning", "pion=ice", "level=warn"}},
		{"info handler", slog.LevelInfo, "ice", func(l logging.LeveledLogger) {
			l.Errorf("pair %d failed", 7)
			l.Warn("plain warning")
			l.Info("plain info")
			l.Tracef("never %d", 1)
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.log(PionLogs(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.level}))).NewLogger(tc.scope))
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("handler at %v: output lacks %q: %q", tc.level, w, out)
				}
			}
			if tc.want == nil && out != "" {
				t.Errorf("handler at %v: logged %q, want nothing", tc.level, out)
			}
			if strings.Contains(out, "never") {
				t.Errorf("trace message logged: %q", out)
			}
		})
	}
}
