//go:build !linux && !windows

package hotkey

func register(Config) (*Hotkey, error) { return nil, ErrUnsupported }
