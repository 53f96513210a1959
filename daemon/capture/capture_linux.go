//go:build linux

package capture

// New connects to the X display and returns an event-driven Source.
func New(cfg Config) (Source, error) {
	if err := cfg.normalise(); err != nil {
		return nil, err
	}
	s, err := newX11(cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}
