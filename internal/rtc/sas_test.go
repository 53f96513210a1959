package rtc

import (
	"bytes"
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
// SHA-256("QuickHelp SAS v1" || 0x00 || offerer || answerer || nonce),
// modulo 10^6. A change here changes what two released versions show each
// other.
func TestSASVectors(t *testing.T) {
	tests := []struct {
		name              string
		offerer, answerer Fingerprint
		nonce             Nonce
		want              string
	}{
		{"zeros", fill(0), fill(0), Nonce{}, "042 298"},
		{"ff then zeros", fill(0xff), fill(0), Nonce{}, "881 336"},
		{"zeros then ff", fill(0), fill(0xff), Nonce{}, "837 951"},
		{"0..31 then 32..63, nonce 64..95", seq(0), seq(32), Nonce(seq(64)), "283 698"},
		{"32..63 then 0..31, nonce 64..95", seq(32), seq(0), Nonce(seq(64)), "456 854"},
		{"0..31 then 32..63, nonce ff", seq(0), seq(32), Nonce(fill(0xff)), "773 382"},
	}
	for _, tc := range tests {
		if got := SAS(tc.offerer, tc.answerer, tc.nonce); got != tc.want {
			t.Errorf("SAS(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
	// The commitment, computed the same way outside Go.
	if got, want := commitOf(Nonce(seq(64))), "22a430845a291f434d55faa7ac785b4a1ee44254e2b526625ef304c1fbb60e28"; got != want {
		t.Errorf("commitOf(64..95) = %s, want %s", got, want)
	}
}

// TestSASShape checks the format over many inputs and that each byte of
// either fingerprint and of the nonce matters.
func TestSASShape(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9]{3} [0-9]{3}$`)
	base := SAS(seq(0), seq(32), Nonce(seq(64)))
	changed := 0
	for i := 0; i < 96; i++ {
		o, a, n := seq(0), seq(32), Nonce(seq(64))
		switch {
		case i < 32:
			o[i] ^= 1
		case i < 64:
			a[i-32] ^= 1
		default:
			n[i-64] ^= 1
		}
		got := SAS(o, a, n)
		if !shape.MatchString(got) {
			t.Fatalf("SAS(bit flip %d) = %q, want six digits as \"ddd ddd\"", i, got)
		}
		if got != base {
			changed++
		}
	}
	// 96 flips; a collision among six digits is a one-in-a-million event.
	if changed < 95 {
		t.Errorf("only %d of 96 single-bit changes changed the code", changed)
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
	if _, err := TransportSAS(nil, true, Nonce{}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("TransportSAS(nil) = %v, want ErrNotConnected", err)
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	if _, err := TransportSAS(pc.SCTP().Transport(), true, Nonce{}); !errors.Is(err, ErrNotConnected) {
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
// checks that both compute the same code once the answerer has the
// offerer's nonce, that it is the one derived from the fingerprints their
// descriptions announced (and that Fingerprints reports), and that an ICE
// restart, which keeps the DTLS connection, keeps the code.
func TestSignalingSAS(t *testing.T) {
	offC, err := NewOffererCommitment()
	if err != nil {
		t.Fatal(err)
	}
	ansC := new(Commitment)
	fresh := newSide(t, Offerer, true)
	if s := fresh.sig.SAS(offC); s != "" {
		t.Errorf("SAS() before connecting = %q, want empty", s)
	}
	ctx, off, ans, toAns, _ := connectedPair(t)
	if s := ans.sig.SAS(ansC); s != "" {
		t.Errorf("answerer SAS() before the nonce = %q, want empty", s)
	}
	ansC.SetCommit(offC.Commit())
	if err := ansC.Accept(offC.Reveal()); err != nil {
		t.Fatalf("Accept(the offerer's reveal) = %v", err)
	}
	oSAS, aSAS := off.sig.SAS(offC), ans.sig.SAS(ansC)
	if oSAS == "" || oSAS != aSAS {
		t.Fatalf("offerer SAS() = %q, answerer %q; want the same, non-empty", oSAS, aSAS)
	}
	nonce, _ := offC.Nonce()
	oFP := fingerprintOf(t, off.pc.LocalDescription().SDP)
	aFP := fingerprintOf(t, ans.pc.LocalDescription().SDP)
	if oFP == aFP {
		t.Fatal("both sides announced the same certificate")
	}
	if want := SAS(oFP, aFP, nonce); oSAS != want {
		t.Errorf("code = %q, want %q from the announced fingerprints", oSAS, want)
	}
	local, remote, err := off.sig.Fingerprints()
	if err != nil {
		t.Fatalf("Fingerprints() = %v", err)
	}
	if l, r := mustFingerprint(t, local), mustFingerprint(t, remote); SAS(l, r, nonce) != oSAS {
		t.Errorf("SAS of Fingerprints() = %q, want %q", SAS(l, r, nonce), oSAS)
	}
	// The wrong role gives the swapped order, hence another code.
	if wrong, _ := TransportSAS(off.pc.SCTP().Transport(), false, nonce); wrong != SAS(aFP, oFP, nonce) {
		t.Errorf("TransportSAS(offerer, as answerer) = %q, want %q", wrong, SAS(aFP, oFP, nonce))
	}

	if err := off.sig.Restart(ctx); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	select {
	case <-toAns.restarts:
	case <-ctx.Done():
		t.Fatal("no restart offer reached the answerer")
	}
	if s := ans.sig.SAS(ansC); s != oSAS {
		t.Errorf("answerer SAS() after an ICE restart = %q, want the unchanged %q", s, oSAS)
	}
	_ = off.sig.Close(off.wg.Wait)
	if s := off.sig.SAS(offC); s != "" {
		t.Errorf("SAS() after Close = %q, want empty", s)
	}
}

func TestCommitment(t *testing.T) {
	offC, err := NewOffererCommitment()
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewOffererCommitment()
	if err != nil {
		t.Fatal(err)
	}
	if offC.Commit() == other.Commit() || len(offC.Commit()) != 64 {
		t.Fatalf("commitments %q, %q: want two different 64-digit ones", offC.Commit(), other.Commit())
	}
	if n, ok := offC.Nonce(); !ok || offC.Commit() != commitOf(n) {
		t.Fatalf("offerer Nonce() = %x, %v; want its committed nonce", n, ok)
	}
	reveal := offC.Reveal()
	tests := []struct {
		name   string
		commit string
		reveal []byte
		ok     bool
	}{
		{"matching", offC.Commit(), reveal, true},
		{"upper case hex", offC.Commit(), []byte(strings.ToUpper(string(reveal))), true},
		{"no commitment in the offer", "", reveal, false},
		{"another nonce", offC.Commit(), other.Reveal(), false},
		{"one byte short", offC.Commit(), reveal[:len(reveal)-1], false},
		{"one byte more", offC.Commit(), append(append([]byte(nil), reveal...), '0'), false},
		{"not hex", offC.Commit(), bytes.Repeat([]byte("zz"), 32), false},
		{"empty", offC.Commit(), nil, false},
	}
	for _, tc := range tests {
		c := new(Commitment)
		c.SetCommit(tc.commit)
		err := c.Accept(tc.reveal)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrBadReveal)) {
			t.Errorf("Accept(%s) = %v, want ok %v (else ErrBadReveal)", tc.name, err, tc.ok)
		}
		if _, known := c.Nonce(); known != tc.ok {
			t.Errorf("after Accept(%s) Nonce known = %v, want %v", tc.name, known, tc.ok)
		}
	}
	// A later offer with the same commitment (an ICE restart) keeps the
	// nonce. Another commitment, or none, could only serve a middle that
	// has seen this side's certificate and now picks a nonce to match: the
	// code ends for good, whatever is revealed after.
	for _, later := range []string{other.Commit(), ""} {
		c := new(Commitment)
		c.SetCommit(offC.Commit())
		if err := c.Accept(reveal); err != nil {
			t.Fatal(err)
		}
		c.SetCommit(offC.Commit())
		if _, known := c.Nonce(); !known {
			t.Error("the same commitment again forgot the nonce")
		}
		c.SetCommit(later)
		if _, known := c.Nonce(); known {
			t.Errorf("a later commitment %q kept the nonce", later)
		}
		if err := c.Accept(other.Reveal()); !errors.Is(err, ErrBadReveal) {
			t.Errorf("Accept(the later offer's nonce) = %v, want ErrBadReveal", err)
		}
		c.SetCommit(offC.Commit())
		if err := c.Accept(reveal); !errors.Is(err, ErrBadReveal) {
			t.Errorf("Accept(the first nonce, after a conflict) = %v, want ErrBadReveal", err)
		}
	}
	// An offer without a commitment first is final too.
	c := new(Commitment)
	c.SetCommit("")
	c.SetCommit(offC.Commit())
	if err := c.Accept(reveal); !errors.Is(err, ErrBadReveal) {
		t.Errorf("Accept after a first offer without commitment = %v, want ErrBadReveal", err)
	}
}

// FuzzCommitmentAccept feeds arbitrary reveals from the data channel: only
// the committed nonce (in either case of hex) is accepted, nothing panics.
func FuzzCommitmentAccept(f *testing.F) {
	offC, err := NewOffererCommitment()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(offC.Reveal())
	f.Add([]byte(strings.Repeat("0", RevealBytes)))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := new(Commitment)
		c.SetCommit(offC.Commit())
		err := c.Accept(b)
		if want := strings.EqualFold(string(b), string(offC.Reveal())); (err == nil) != want {
			t.Fatalf("Accept(%q) = %v, want accepted %v", b, err, want)
		}
	})
}

func mustFingerprint(t *testing.T, s string) Fingerprint {
	t.Helper()
	f, err := ParseFingerprint(s)
	if err != nil {
		t.Fatalf("ParseFingerprint(%q) = %v", s, err)
	}
	return f
}
