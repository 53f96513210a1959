package rtc

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

func fill(b byte) Fingerprint {
	var f Fingerprint
	for i := range f {
		f[i] = b
	}
	return f
}

func seq(start byte) Fingerprint {
	var f Fingerprint
	for i := range f {
		f[i] = start + byte(i)
	}
	return f
}

// TestSASVectors pins the derivation. The expected codes were computed
// independently of this package: the first 8 bytes, big-endian, of
// SHA-256("QuickHelp SAS v1" || 0x00 || offerer || answerer), modulo 10^6.
// A change here changes what two released versions show each other.
func TestSASVectors(t *testing.T) {
	tests := []struct {
		name              string
		offerer, answerer Fingerprint
		want              string
	}{
		{"zeros", fill(0), fill(0), "627 360"},
		{"ff then zeros", fill(0xff), fill(0), "580 352"},
		{"zeros then ff", fill(0), fill(0xff), "288 272"},
		{"0..31 then 32..63", seq(0), seq(32), "264 744"},
		{"32..63 then 0..31", seq(32), seq(0), "136 320"},
	}
	for _, tc := range tests {
		if got := SAS(tc.offerer, tc.answerer); got != tc.want {
			t.Errorf("SAS(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestSASShape checks the format over many inputs and that each byte of
// either fingerprint matters.
func TestSASShape(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9]{3} [0-9]{3}$`)
	base := SAS(seq(0), seq(32))
	changed := 0
	for i := 0; i < 64; i++ {
		o, a := seq(0), seq(32)
		if i < 32 {
			o[i] ^= 1
		} else {
			a[i-32] ^= 1
		}
		got := SAS(o, a)
		if !shape.MatchString(got) {
			t.Fatalf("SAS(bit flip %d) = %q, want six digits as \"ddd ddd\"", i, got)
		}
		if got != base {
			changed++
		}
	}
	// 64 flips; a collision among six digits is a one-in-a-million event.
	if changed < 63 {
		t.Errorf("only %d of 64 single-bit changes changed the code", changed)
	}
}

func TestParseFingerprint(t *testing.T) {
	good := strings.Repeat("aB:", 31) + "aB"
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"mixed case", good, true},
		{"pion's lower case", strings.Repeat("00:", 31) + "ff", true},
		{"empty", "", false},
		{"31 bytes", strings.Repeat("ab:", 30) + "ab", false},
		{"33 bytes", strings.Repeat("ab:", 32) + "ab", false},
		{"no colons", strings.Repeat("ab", 32), false},
		{"not hex", strings.Repeat("ab:", 31) + "zz", false},
		{"three digits", strings.Repeat("ab:", 31) + "abc", false},
		{"trailing colon", good + ":", false},
	}
	for _, tc := range tests {
		got, err := ParseFingerprint(tc.in)
		if tc.ok != (err == nil) {
			t.Errorf("ParseFingerprint(%s) error = %v, want ok %v", tc.name, err, tc.ok)
			continue
		}
		if !tc.ok && !errors.Is(err, ErrBadFingerprint) {
			t.Errorf("ParseFingerprint(%s) error = %v, want ErrBadFingerprint", tc.name, err)
		}
		if tc.name == "mixed case" && got != fill(0xab) {
			t.Errorf("ParseFingerprint(%s) = %x, want all 0xab", tc.name, got)
		}
	}
}

func TestTransportSASNotReady(t *testing.T) {
	if _, err := TransportSAS(nil, true); !errors.Is(err, ErrNotConnected) {
		t.Errorf("TransportSAS(nil) = %v, want ErrNotConnected", err)
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	if _, err := TransportSAS(pc.SCTP().Transport(), true); !errors.Is(err, ErrNotConnected) {
		t.Errorf("TransportSAS(new connection) = %v, want ErrNotConnected", err)
	}
}

var sdpFingerprint = regexp.MustCompile(`(?m)^a=fingerprint:sha-256 ([0-9A-Fa-f:]+)\r?$`)

// fingerprintOf reads the sha-256 fingerprint a description announces.
func fingerprintOf(t *testing.T, sdp string) Fingerprint {
	t.Helper()
	m := sdpFingerprint.FindStringSubmatch(sdp)
	if m == nil {
		t.Fatalf("no sha-256 fingerprint in the description")
	}
	f, err := ParseFingerprint(m[1])
	if err != nil {
		t.Fatalf("ParseFingerprint(%q) = %v", m[1], err)
	}
	return f
}

// TestSignalingSAS connects two pion peer connections over loopback and
// checks that both compute the same code, that it is the one derived from
// the fingerprints their descriptions announced (and that Fingerprints
// reports), and that an ICE restart, which keeps the DTLS connection,
// keeps the code.
func TestSignalingSAS(t *testing.T) {
	fresh := newSide(t, Offerer, true)
	if s := fresh.sig.SAS(); s != "" {
		t.Errorf("SAS() before connecting = %q, want empty", s)
	}
	ctx, off, ans, toAns, _ := connectedPair(t)
	oSAS, aSAS := off.sig.SAS(), ans.sig.SAS()
	if oSAS == "" || oSAS != aSAS {
		t.Fatalf("offerer SAS() = %q, answerer %q; want the same, non-empty", oSAS, aSAS)
	}
	oFP := fingerprintOf(t, off.pc.LocalDescription().SDP)
	aFP := fingerprintOf(t, ans.pc.LocalDescription().SDP)
	if oFP == aFP {
		t.Fatal("both sides announced the same certificate")
	}
	if want := SAS(oFP, aFP); oSAS != want {
		t.Errorf("code = %q, want %q from the announced fingerprints", oSAS, want)
	}
	local, remote, err := off.sig.Fingerprints()
	if err != nil {
		t.Fatalf("Fingerprints() = %v", err)
	}
	if l, r := mustFingerprint(t, local), mustFingerprint(t, remote); SAS(l, r) != oSAS {
		t.Errorf("SAS of Fingerprints() = %q, want %q", SAS(l, r), oSAS)
	}
	// The wrong role gives the swapped order, hence another code.
	if wrong, _ := TransportSAS(off.pc.SCTP().Transport(), false); wrong != SAS(aFP, oFP) {
		t.Errorf("TransportSAS(offerer, as answerer) = %q, want %q", wrong, SAS(aFP, oFP))
	}

	if err := off.sig.Restart(ctx); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	select {
	case <-toAns.restarts:
	case <-ctx.Done():
		t.Fatal("no restart offer reached the answerer")
	}
	if s := ans.sig.SAS(); s != oSAS {
		t.Errorf("answerer SAS() after an ICE restart = %q, want the unchanged %q", s, oSAS)
	}
	_ = off.sig.Close(off.wg.Wait)
	if s := off.sig.SAS(); s != "" {
		t.Errorf("SAS() after Close = %q, want empty", s)
	}
}

func mustFingerprint(t *testing.T, s string) Fingerprint {
	t.Helper()
	f, err := ParseFingerprint(s)
	if err != nil {
		t.Fatalf("ParseFingerprint(%q) = %v", s, err)
	}
	return f
}
