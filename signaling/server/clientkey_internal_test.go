package server

import (
	"net/http"
	"testing"
)

func TestClientKeys(t *testing.T) {
	tests := []struct {
		remote, xff     string
		trust           bool
		key, breakerKey string
	}{
		{"192.0.2.7:5555", "", false, "192.0.2.7", "192.0.2.0/24"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", false, "2001:db8:1:2::/64", "2001:db8:1::/56"},
		{"[::ffff:192.0.2.9]:1", "", false, "192.0.2.9", "192.0.2.0/24"},
		{"[fe80::1%eth0]:1", "", false, "fe80::/64", "fe80::/56"},
		{"127.0.0.1:1", "198.51.100.1, 203.0.113.4", true, "203.0.113.4", "203.0.113.0/24"},
		{"127.0.0.1:1", "203.0.113.4", false, "127.0.0.1", "127.0.0.0/24"},
		{"127.0.0.1:1", "garbage", true, "127.0.0.1", "127.0.0.0/24"},
		{"nonsense", "", false, "unknown", "unknown"},
	}
	for _, tt := range tests {
		s := &Server{cfg: Config{TrustProxyHeader: tt.trust}}
		r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := s.clientKey(r); got != tt.key {
			t.Errorf("clientKey(%q, %q) = %q, want %q", tt.remote, tt.xff, got, tt.key)
		}
		if got := s.breakerPrefix(r); got != tt.breakerKey {
			t.Errorf("breakerPrefix(%q, %q) = %q, want %q", tt.remote, tt.xff, got, tt.breakerKey)
		}
	}
}
