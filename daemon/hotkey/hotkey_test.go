package hotkey

import (
	"errors"
	"testing"
)

func TestRegisterNeedsCallback(t *testing.T) {
	h, err := Register(Config{Display: ":140"})
	if !errors.Is(err, ErrNoCallback) {
		if h != nil {
			h.Close()
		}
		t.Fatalf("Register without OnPress = %v, want %v", err, ErrNoCallback)
	}
}
