package rtc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"sync"
)

// commitLabel separates the nonce commitment from the code itself.
const commitLabel = "QuickHelp SAS commit v1"

// Nonce is the sharer's random contribution to the security code.
type Nonce [32]byte

// RevealBytes is the length of a reveal message: the nonce in hex.
const RevealBytes = 2 * len(Nonce{})

// Commitment is one side's part of the nonce exchange that keeps a party in
// the middle from choosing the security code. Without it, a middle that
// relays the signalling could answer the sharer only after it knew the
// helper's side of the code, and generate certificates until the sharer's
// side matched (about 10^6 tries for six digits). So the sharer (offerer)
// puts SHA-256 of a fresh nonce in its offer (wire.Envelope.SASCommit) and
// reveals the nonce on the wire.ChannelSAS data channel, which opens only
// after DTLS is up; the nonce goes into the code. Whoever is in the middle
// must have fixed its certificate towards the sharer before it learns the
// nonce, and its offer to the helper (certificate and commitment) before it
// learns the helper's certificate: neither code can be steered.
// The zero value is an answerer's, waiting for an offer. The methods are
// safe for concurrent use.
type Commitment struct {
	mu       sync.Mutex // guards the fields below
	commit   string     // hex SHA-256 of the nonce
	nonce    Nonce
	known    bool // nonce is set (offerer: always; answerer: revealed and checked)
	set      bool // answerer: the first offer's commitment is recorded
	conflict bool // answerer: a later offer carried another commitment
}

// NewOffererCommitment draws the sharer's nonce for one peer connection.
func NewOffererCommitment() (*Commitment, error) {
	c := &Commitment{known: true}
	if _, err := rand.Read(c.nonce[:]); err != nil {
		return nil, fmt.Errorf("rtc: nonce: %w", err)
	}
	c.commit = commitOf(c.nonce)
	return c, nil
}

func commitOf(n Nonce) string {
	h := sha256.New()
	h.Write([]byte(commitLabel))
	h.Write([]byte{0})
	h.Write(n[:])
	return hex.EncodeToString(h.Sum(nil))
}

// Commit is the commitment to put in offers (empty on an answerer that
// has seen no offer).
func (c *Commitment) Commit() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commit
}

// Reveal is the message the offerer sends on wire.ChannelSAS once it is
// open: the nonce in lowercase hex.
func (c *Commitment) Reveal() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return []byte(hex.EncodeToString(c.nonce[:]))
}

// SetCommit records the commitment of an offer (answerer). The first
// offer's commitment is final: the sharer's offers of one connection (ICE
// restarts included) all carry the same one. A later offer with another
// commitment, or one without, after the middle has seen this side's
// certificate in the answer, could carry a nonce chosen to steer the code;
// it ends the code for this connection for good (ErrBadReveal).
func (c *Commitment) SetCommit(commit string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !c.set:
		c.commit, c.set = commit, true
	case commit != c.commit:
		c.conflict, c.nonce, c.known = true, Nonce{}, false
	}
}

// Accept checks a reveal from the offerer against the commitment of the
// offer and keeps the nonce (answerer). It returns ErrBadReveal for a
// malformed reveal, one without a commitment or one that does not match.
func (c *Commitment) Accept(reveal []byte) error {
	var n Nonce
	if len(reveal) != RevealBytes {
		return fmt.Errorf("%w: %d bytes", ErrBadReveal, len(reveal))
	}
	if _, err := hex.Decode(n[:], reveal); err != nil {
		return fmt.Errorf("%w: not hex", ErrBadReveal)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conflict {
		return fmt.Errorf("%w: the offers carried different commitments", ErrBadReveal)
	}
	if c.commit == "" {
		return fmt.Errorf("%w: no commitment in the offer", ErrBadReveal)
	}
	if subtle.ConstantTimeCompare([]byte(commitOf(n)), []byte(c.commit)) != 1 {
		return fmt.Errorf("%w: does not match the commitment", ErrBadReveal)
	}
	c.nonce, c.known = n, true
	return nil
}

// Nonce returns the nonce once it is known.
func (c *Commitment) Nonce() (Nonce, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nonce, c.known
}
