package turn

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseUsername(t *testing.T) {
	tests := []struct {
		in      string
		wantExp int64
		wantID  string
		wantErr bool
	}{
		{in: "1800000000:abc-123", wantExp: 1800000000, wantID: "abc-123"},
		{in: "0:x", wantExp: 0, wantID: "x"},
		{in: "1800000000", wantErr: true},
		{in: ":abc", wantErr: true},
		{in: "1800000000:", wantErr: true},
		{in: "-5:abc", wantErr: true},
		{in: "+5:abc", wantErr: true},
		{in: "18e9:abc", wantErr: true},
		{in: "1800000000:a:b", wantErr: true},
		{in: "1800000000:a b", wantErr: true},
		{in: "1800000000:é", wantErr: true},
		{in: "9999999999999:abc", wantErr: true},
		{in: "1:" + strings.Repeat("a", 200), wantErr: true},
	}
	for _, tt := range tests {
		exp, id, err := ParseUsername(tt.in)
		if tt.wantErr {
			if err == nil || !errors.Is(err, ErrBadUsername) {
				t.Errorf("ParseUsername(%q) error = %v, want ErrBadUsername", tt.in, err)
			}
			continue
		}
		if err != nil || exp.Unix() != tt.wantExp || id != tt.wantID {
			t.Errorf("ParseUsername(%q) = %v, %q, %v; want %d, %q", tt.in, exp.Unix(), id, err, tt.wantExp, tt.wantID)
		}
	}
}

func TestPasswordKnownAnswer(t *testing.T) {
	// HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog") =
	// de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9 (RFC 2104 test vector family).
	got := Password([]byte("key"), "The quick brown fox jumps over the lazy dog")
	if want := "3nybhbi3iqa8ino29wqQcBydtNk="; got != want {
		t.Errorf("Password = %q, want %q", got, want)
	}
}

func TestUsernameRoundTrip(t *testing.T) {
	exp := time.Unix(1_900_000_000, 0)
	u := Username(exp, "s_1.x")
	gotExp, gotID, err := ParseUsername(u)
	if err != nil || !gotExp.Equal(exp) || gotID != "s_1.x" {
		t.Errorf("ParseUsername(Username(...)) = %v, %q, %v", gotExp, gotID, err)
	}
}

func TestPeerAllowed(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"169.254.1.1", false},
		{"0.0.0.0", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::1", false},
		{"::", false},
		{"fd00::1", false},
		{"fe80::1", false},
		{"ff02::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false},   // NAT64 well-known prefix: 10.0.0.1 behind a translator
		{"64:ff9b::808:808", false}, // the whole /96 is refused, not only private embeddings
		{"2002:7f00:1::1", false},   // 6to4 of 127.0.0.1
		{"2002:808:808::1", false},  // 6to4 of anything
		{"64:ff9b:1::1", false},     // local-use NAT64
		{"8.8.8.8", true},
		{"172.32.0.1", true},
		{"203.0.113.5", true},
		{"2001:4860:4860::8888", true},
	}
	for _, tt := range tests {
		if got := PeerAllowed(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("PeerAllowed(%q) = %v, want %v", tt.ip, got, tt.want)
		}
	}
	if PeerAllowed(netip.Addr{}) {
		t.Errorf("PeerAllowed(invalid) = true, want false")
	}
}

func FuzzParseUsername(f *testing.F) {
	for _, s := range []string{"1800000000:abc", "", ":", "1:a:b", "-1:x", "99999999999999999999:x", "1:" + strings.Repeat("z", 150)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exp, id, err := ParseUsername(s)
		if err != nil {
			if !errors.Is(err, ErrBadUsername) {
				t.Fatalf("ParseUsername(%q) error %v does not wrap ErrBadUsername", s, err)
			}
			return
		}
		if id == "" || len(id) > maxSessionIDLen || exp.Unix() < 0 {
			t.Fatalf("ParseUsername(%q) accepted bad parts %v %q", s, exp, id)
		}
		// What parses must round-trip through Username unchanged apart from
		// leading zeros in the expiry.
		if _, id2, err := ParseUsername(Username(exp, id)); err != nil || id2 != id {
			t.Fatalf("round trip of %q failed: %q, %v", s, id2, err)
		}
	})
}
