package rtc

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs routes pion's internal logs into the injected slog logger
// instead of pion's default stderr writer. Everything goes to Debug: pion's
// messages can carry candidate addresses, which must never be logged above
// Debug, and its warnings are not actionable by an operator anyway.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) enabled() bool { return l.log.Enabled(context.Background(), slog.LevelDebug) }

func (l pionLogger) out(level, msg string) {
	l.log.Debug(msg, "level", level)
}

func (l pionLogger) outf(level, format string, args ...any) {
	if l.enabled() {
		l.out(level, fmt.Sprintf(format, args...))
	}
}

func (pionLogger) Trace(string)          {}
func (pionLogger) Tracef(string, ...any) {}
func (l pionLogger) Debug(msg string)    { l.out("debug", msg) }
func (l pionLogger) Debugf(f string, a ...any) {
	l.outf("debug", f, a...)
}
func (l pionLogger) Info(msg string)           { l.out("info", msg) }
func (l pionLogger) Infof(f string, a ...any)  { l.outf("info", f, a...) }
func (l pionLogger) Warn(msg string)           { l.out("warn", msg) }
func (l pionLogger) Warnf(f string, a ...any)  { l.outf("warn", f, a...) }
func (l pionLogger) Error(msg string)          { l.out("error", msg) }
func (l pionLogger) Errorf(f string, a ...any) { l.outf("error", f, a...) }

// PionLogs returns a pion logger factory that writes every pion message to
// log at Debug level.
func PionLogs(log *slog.Logger) logging.LoggerFactory { return pionLogs{log: log} }
