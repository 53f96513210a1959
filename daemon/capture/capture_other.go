//go:build !linux && !windows

package capture

// New returns the portable polling Source.
func New(cfg Config) (Source, error) { return NewPolling(cfg) }
