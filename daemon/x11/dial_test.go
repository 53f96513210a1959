package x11

import (
	"errors"
	"testing"
)

func TestDialBadDisplay(t *testing.T) {
	tests := []string{":109.9", "nonsense::", "/no/such/socket:0"}
	for _, d := range tests {
		c, err := Dial(d)
		if err == nil {
			c.Close()
			t.Errorf("Dial(%q) = nil error, want an error", d)
			continue
		}
		if !errors.Is(err, ErrConnect) {
			t.Errorf("Dial(%q) = %v, want %v", d, err, ErrConnect)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		ext  Extension
		got  version
		want bool // accepted
	}{
		{Shape, version{1, 1}, true},
		{Shape, version{1, 0}, false},
		{Shape, version{2, 0}, true},
		{RandR, version{1, 4}, false},
		{RandR, version{1, 6}, true},
		{XTest, version{2, 2}, true},
		{XTest, version{1, 9}, false},
		{XFixes, version{0, 9}, false},
	}
	for _, tt := range tests {
		err := checkVersion(tt.ext, tt.got)
		if (err == nil) != tt.want {
			t.Errorf("checkVersion(%v, %v) = %v, want accepted %v", tt.ext, tt.got, err, tt.want)
		}
		if err != nil && !errors.Is(err, ErrExtension) {
			t.Errorf("checkVersion(%v, %v) = %v, want it to wrap %v", tt.ext, tt.got, err, ErrExtension)
		}
	}
}

func TestExtensionString(t *testing.T) {
	if got := Shm.String(); got != "MIT-SHM" {
		t.Errorf("Shm.String() = %q, want MIT-SHM", got)
	}
	if got := Extension(42).String(); got != "Extension(42)" {
		t.Errorf("Extension(42).String() = %q", got)
	}
}
