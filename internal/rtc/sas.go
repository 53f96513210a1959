package rtc

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"
)

// sasLabel separates this use of SHA-256 from every other one: the same
// fingerprints hashed for another purpose never give the security code.
// A change of derivation gets a new version number.
const sasLabel = "QuickHelp SAS v1"

// Fingerprint is the SHA-256 of a DTLS certificate (its DER bytes).
type Fingerprint [sha256.Size]byte

// SAS derives the short authentication string that both people compare:
// six decimal digits shown as "123 456", from SHA-256 of the label, the
// fingerprint of the sharer's certificate (offerer: the sharer always
// offers), the helper's (answerer) and the sharer's nonce (see
// Commitment). Both sides put them in this order, so both compute the same
// string when they talk to each other's certificate, and different strings
// (except by a one-in-a-million chance) when someone terminates DTLS in
// between. The nonce, committed to in the offer and revealed only once
// DTLS is up, keeps a party in the middle from choosing its certificates
// to make the two codes match.
//
// Digits, not words: people read them aloud in their own language and
// the other side still recognises them, and they need no word list that
// would have to stay identical across translations.
func SAS(offerer, answerer Fingerprint, nonce Nonce) string {
	h := sha256.New()
	h.Write([]byte(sasLabel))
	h.Write([]byte{0})
	h.Write(offerer[:])
	h.Write(answerer[:])
	h.Write(nonce[:])
	sum := h.Sum(nil)
	// 2^64 mod 10^6 is tiny against 2^64: the bias is below 10^-13.
	n := binary.BigEndian.Uint64(sum[:8]) % 1_000_000
	return fmt.Sprintf("%03d %03d", n/1000, n%1000)
}

// ParseFingerprint reads an SDP "sha-256" fingerprint value: 32 bytes in
// hex, separated by colons, in either case.
func ParseFingerprint(s string) (Fingerprint, error) {
	var fp Fingerprint
	parts := strings.Split(s, ":")
	if len(parts) != len(fp) {
		return fp, fmt.Errorf("%w: %d parts, want %d", ErrBadFingerprint, len(parts), len(fp))
	}
	for i, p := range parts {
		if len(p) != 2 {
			return fp, fmt.Errorf("%w: part %d", ErrBadFingerprint, i)
		}
		if _, err := hex.Decode(fp[i:i+1], []byte(p)); err != nil {
			return fp, fmt.Errorf("%w: part %d", ErrBadFingerprint, i)
		}
	}
	return fp, nil
}

// TransportSAS returns the security code of t's current DTLS connection:
// the local certificate's fingerprint and the fingerprint of the
// certificate the remote side actually used in the handshake (pion has
// checked it against the remote description), with the sharer's nonce.
// offerer says whether this side made the offer. It returns
// ErrNotConnected while DTLS is not connected. The transport keeps its
// certificates for its whole life, so a new code needs a new peer
// connection (a new session or a restarted daemon); an ICE restart keeps
// the DTLS connection and the code.
func TransportSAS(t *webrtc.DTLSTransport, offerer bool, nonce Nonce) (string, error) {
	if t == nil || t.State() != webrtc.DTLSTransportStateConnected {
		return "", ErrNotConnected
	}
	remoteDER := t.GetRemoteCertificate()
	if len(remoteDER) == 0 {
		return "", ErrNotConnected
	}
	local, err := localFingerprint(t)
	if err != nil {
		return "", err
	}
	remote := Fingerprint(sha256.Sum256(remoteDER))
	if offerer {
		return SAS(local, remote, nonce), nil
	}
	return SAS(remote, local, nonce), nil
}

// localFingerprint is the SHA-256 fingerprint of the certificate DTLS uses:
// pion uses the first of its certificates and lists their fingerprints in
// the same order.
func localFingerprint(t *webrtc.DTLSTransport) (Fingerprint, error) {
	params, err := t.GetLocalParameters()
	if err != nil {
		return Fingerprint{}, fmt.Errorf("%w: %v", ErrBadFingerprint, err)
	}
	for _, f := range params.Fingerprints {
		if strings.EqualFold(f.Algorithm, "sha-256") {
			return ParseFingerprint(f.Value)
		}
	}
	return Fingerprint{}, fmt.Errorf("%w: no sha-256 fingerprint", ErrBadFingerprint)
}

// SAS returns the security code of the current DTLS connection (see
// TransportSAS), or "" while there is none or the nonce of c is not known
// yet. Any goroutine may call it.
func (s *Signaling) SAS(c *Commitment) string {
	nonce, ok := c.Nonce()
	if !ok {
		return ""
	}
	code, err := TransportSAS(s.cfg.PC.SCTP().Transport(), s.cfg.Role == Offerer, nonce)
	if err != nil {
		return ""
	}
	return code
}
