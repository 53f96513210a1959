package xconn

import (
	"testing"
)

func TestDialBadDisplay(t *testing.T) {
	tests := []string{":94.9", "nonsense::", "/no/such/socket:0"}
	for _, d := range tests {
		if c, err := Dial(d); err == nil {
			c.Close()
			t.Errorf("Dial(%q) = nil error, want an error", d)
		}
	}
}
