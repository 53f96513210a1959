package sharer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// The resume ticket lets a daemon take a session up again after it or the
// computer restarted: what the join answered (the session, the sharer's
// participant token, the helper's name, the ICE servers), bound to this
// computer and this session, good for at most ticketLife. It is written
// 0600 in a 0700 per-user directory while a session runs (rewritten every
// ticketRefresh, so a daemon killed at any moment leaves one that is good
// for ticketLife less at most ticketRefresh), taken (read and removed) at
// most once by the next daemon, and removed when the session ends. The
// resumed session asks the sharer again before anything is shown, and
// control is never carried over.

// Ticket timing.
const (
	ticketLife    = 10 * time.Minute
	ticketRefresh = 2 * time.Minute
)

// ticketFile is the ticket's path in dir for the daemon named by key (its
// local API socket): daemons on other sockets (tests, a second user
// session) keep tickets of their own.
func ticketFile(dir, key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "resume-"+hex.EncodeToString(sum[:8])+".json")
}

// maxTicketBytes bounds what is read of a ticket file.
const maxTicketBytes = 64 << 10

// ticketVersion is the format of resumeTicket.
const ticketVersion = 1

// errNoTicket: no usable ticket (none, expired, another computer's,
// damaged); the daemon starts idle.
var errNoTicket = errors.New("sharer: no resume ticket")

type resumeTicket struct {
	V          int              `json:"v"`
	Server     string           `json:"server"`
	SessionID  string           `json:"sessionId"`
	Token      string           `json:"token"`
	Helper     wire.HelperInfo  `json:"helper"`
	ICEServers []wire.ICEServer `json:"iceServers,omitempty"`
	ICEPolicy  string           `json:"iceTransportPolicy,omitempty"`
	// Machine binds the ticket to this computer and session
	// (machineBinding).
	Machine string `json:"machine"`
	Until   int64  `json:"until"` // unix ms
	// Restart: written for a restart the sharer allowed (rather than
	// while a session runs).
	Restart bool `json:"restart,omitempty"`
}

// machineBinding ties a ticket to this computer and to one session: a
// ticket copied to another computer, or edited to name another session,
// is refused.
func machineBinding(sessionID string) string {
	h := sha256.New()
	io.WriteString(h, "quickhelp resume ticket\x00")
	io.WriteString(h, machineID())
	io.WriteString(h, "\x00")
	io.WriteString(h, sessionID)
	return hex.EncodeToString(h.Sum(nil))
}

// machineID names this computer: the systemd/D-Bus machine id on Linux,
// the installation's MachineGuid on Windows (platformMachineID), else the
// host name.
func machineID() string {
	if id := platformMachineID(); id != "" {
		return id
	}
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if b, err := os.ReadFile(p); err == nil && len(bytes.TrimSpace(b)) > 0 {
			return string(bytes.TrimSpace(b))
		}
	}
	h, _ := os.Hostname()
	return "host:" + h
}

// DefaultStateDir is the per-user directory of the resume ticket:
// $XDG_STATE_HOME/quickhelp (~/.local/state/quickhelp) on Linux, the
// user's config directory elsewhere.
func DefaultStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "quickhelp")
	}
	if home, err := os.UserHomeDir(); err == nil && os.PathSeparator == '/' {
		return filepath.Join(home, ".local", "state", "quickhelp")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "QuickHelp")
	}
	return ""
}

// writeTicket stores t atomically (a 0600 temporary file renamed over the
// old one) in dir, created 0700.
func writeTicket(dir, key string, t resumeTicket) error {
	if dir == "" {
		return errors.New("sharer: no state directory for the resume ticket")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".resume-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp)
		return werr
	}
	if err := os.Rename(tmp, ticketFile(dir, key)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// dropTicket removes the ticket, if any.
func dropTicket(dir, key string) {
	if dir != "" {
		_ = os.Remove(ticketFile(dir, key))
	}
}

// takeTicket reads the ticket and removes it (single use: whatever is in
// it, it is gone afterwards), then checks it: a regular file only this
// user can read, this format, this computer and session, not expired and
// not dated further ahead than a ticket can be.
func takeTicket(dir, key string, now time.Time) (resumeTicket, error) {
	var t resumeTicket
	if dir == "" {
		return t, errNoTicket
	}
	p := ticketFile(dir, key)
	fi, err := os.Lstat(p)
	if err != nil {
		return t, errNoTicket
	}
	defer os.Remove(p)
	if !fi.Mode().IsRegular() || (os.PathSeparator == '/' && fi.Mode().Perm()&0o077 != 0) {
		return t, fmt.Errorf("%w: not a private regular file", errNoTicket)
	}
	f, err := os.Open(p)
	if err != nil {
		return t, errNoTicket
	}
	b, err := io.ReadAll(io.LimitReader(f, maxTicketBytes+1))
	f.Close()
	if err != nil || len(b) > maxTicketBytes {
		return t, fmt.Errorf("%w: unreadable or too large", errNoTicket)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return resumeTicket{}, fmt.Errorf("%w: damaged", errNoTicket)
	}
	until := time.UnixMilli(t.Until)
	switch {
	case t.V != ticketVersion || t.SessionID == "" || t.Token == "" || t.Server == "":
		return resumeTicket{}, fmt.Errorf("%w: incomplete", errNoTicket)
	case t.Machine != machineBinding(t.SessionID):
		return resumeTicket{}, fmt.Errorf("%w: written for another computer or session", errNoTicket)
	case !now.Before(until):
		return resumeTicket{}, fmt.Errorf("%w: expired", errNoTicket)
	case until.After(now.Add(ticketLife + time.Minute)):
		return resumeTicket{}, fmt.Errorf("%w: dated too far ahead", errNoTicket)
	}
	return t, nil
}
