package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Message types of the session WebSocket envelope.
const (
	TypeHello          = "hello"           // server → client: your role and session state after connect
	TypePeerJoined     = "peer-joined"     // server → client: the other participant is connected
	TypePeerLeft       = "peer-left"       // server → client: the other participant dropped (resume window runs)
	TypeChat           = "chat"            // relayed, never stored
	TypeOffer          = "offer"           // sharer → helper (the daemon offers)
	TypeAnswer         = "answer"          // helper → sharer
	TypeCandidate      = "candidate"       // both ways
	TypeConsent        = "consent"         // sharer → helper: screen granted/denied
	TypeControlRequest = "control-request" // helper → sharer
	TypeControl        = "control"         // sharer → helper: granted/denied/revoked; helper → sharer: released
	TypePause          = "pause"           // sharer → helper
	TypeResume         = "resume"          // sharer → helper
	TypeMonitors       = "monitors"        // sharer → helper: the list of monitors
	TypeSwitchMonitor  = "switch-monitor"  // helper → sharer
	TypeFeature        = "feature"         // client → server: a feature was used (telemetry)
	TypeEnd            = "end"             // client → server: end the session with a reason
	TypeSessionEnded   = "session-ended"   // server → client: the session is over
	TypeError          = "error"           // server → client: a message was refused
	TypePing           = "ping"            // application keep-alive, both ways (optional)
	// TypeICERestart: helper → sharer: the helper's media path has been
	// down for a few seconds; the sharer (the offerer) restarts ICE.
	TypeICERestart = "ice-restart"
	// TypeChatAck: relayed both ways: the receiving client has the chat
	// whose ID it names; the sender stops resending it.
	TypeChatAck = "chat-ack"
	// TypeAction: helper → sharer: run the quick action named Action (the
	// sharer's daemon runs its own fixed command; only while control is
	// granted); sharer → helper: what became of it (State).
	TypeAction = "action"
	// TypeRestarting: sharer → helper, through the service: the sharer's
	// computer restarts now; the service holds the session for its restart
	// window and the daemon rejoins after the next sign-in.
	TypeRestarting = "restarting"
)

// Quick actions (Envelope.Action, Envelope.Actions, BridgeRequest.Action).
// The helper only names one; the sharer's daemon decides what it runs.
const (
	ActionTaskManager = "task-manager" // the system's process monitor
	ActionRestart     = "restart"      // restart the computer and resume the session
)

// States of an action envelope from the sharer (the helper's request has
// none).
const (
	ActionAsked   = "asked"   // put to the sharer (restart)
	ActionStarted = "started" // the command was started (the restart is under way)
	ActionDenied  = "denied"  // the sharer said no, or it is not possible now
	ActionFailed  = "failed"  // the command could not be run
)

// States carried by consent and control messages.
const (
	StateGranted  = "granted"
	StateDenied   = "denied"
	StateRevoked  = "revoked"
	StateReleased = "released"
)

// Limits of envelope fields. The service's read limit is MaxEnvelopeBytes.
const (
	MaxEnvelopeBytes = 64 << 10
	MaxChatRunes     = 4000
	MaxSDPBytes      = 48 << 10
	MaxCandidateLen  = 1024
	MaxReasonLen     = 64
	MaxMonitors      = 16
	MaxRetryAfter    = 3600
	MaxIDLen         = 64
	MaxActions       = 8   // names in Envelope.Actions
	MaxActionLen     = 32  // bytes of one action name
	MaxICEServers    = 8   // entries in Envelope.ICEServers
	MaxICEURLs       = 8   // URLs of one entry
	MaxICEFieldLen   = 512 // bytes of one URL, username or credential
)

// Envelope is the one JSON object carried on the session WebSocket. Fields
// not meaningful for a Type are empty. The service sets From and TS.
type Envelope struct {
	Type      string        `json:"type"`
	From      string        `json:"from,omitempty"` // role of the sender, set by the service
	TS        int64         `json:"ts,omitempty"`   // unix milliseconds, set by the service
	Role      string        `json:"role,omitempty"` // hello: your role; peer-joined/left: theirs
	Text      string        `json:"text,omitempty"` // chat
	SDP       string        `json:"sdp,omitempty"`  // offer/answer
	Candidate *ICECandidate `json:"candidate,omitempty"`
	State     string        `json:"state,omitempty"`  // consent/control
	Reason    Reason        `json:"reason,omitempty"` // end/session-ended/error/peer-left
	Feature   string        `json:"feature,omitempty"`
	Helper    *HelperInfo   `json:"helper,omitempty"`   // hello to the sharer
	Monitors  []Monitor     `json:"monitors,omitempty"` // monitors
	Monitor   int           `json:"monitor,omitempty"`  // switch-monitor: index; monitors: current
	Peer      bool          `json:"peer,omitempty"`     // hello: the other participant is connected
	Restart   bool          `json:"restart,omitempty"`  // offer: this is an ICE restart
	// SASCommit: offer: hex SHA-256 commitment to the nonce the sharer
	// reveals on ChannelSAS for the security code (internal/rtc).
	SASCommit string `json:"sasCommit,omitempty"`
	// RetryAfter: control denied with ReasonControlWait: seconds until the
	// helper may ask again (1 to MaxRetryAfter).
	RetryAfter int `json:"retryAfter,omitempty"`
	// ID: chat and chat-ack: the chat message's ID, chosen by its sender
	// (1 to MaxIDLen of [A-Za-z0-9_-]), so a chat resent after a reconnect
	// is shown once.
	ID string `json:"id,omitempty"`
	// Action: action: the quick action's name (Action* constants).
	Action string `json:"action,omitempty"`
	// Actions: control granted: the quick actions this sharer's daemon
	// offers while control lasts.
	Actions []string `json:"actions,omitempty"`
	// ICEServers: hello: the STUN/TURN servers of the node this socket
	// reached, with fresh credentials. After a reconnect to another node
	// the peers use them from the next ICE restart on (the relay of a node
	// that is gone is no use). Older clients ignore the field.
	ICEServers []ICEServer `json:"iceServers,omitempty"`
}

// ICECandidate mirrors webrtc.ICECandidateInit without importing pion.
type ICECandidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Monitor describes one of the sharer's displays.
type Monitor struct {
	Index   int    `json:"index"`
	Name    string `json:"name,omitempty"`
	X       int    `json:"x"`
	Y       int    `json:"y"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Primary bool   `json:"primary,omitempty"`
}

// ErrInvalidEnvelope is wrapped by every DecodeEnvelope error.
var ErrInvalidEnvelope = errors.New("wire: invalid envelope")

var knownTypes = map[string]bool{
	TypeHello: true, TypePeerJoined: true, TypePeerLeft: true, TypeChat: true,
	TypeOffer: true, TypeAnswer: true, TypeCandidate: true, TypeConsent: true,
	TypeControlRequest: true, TypeControl: true, TypePause: true, TypeResume: true,
	TypeMonitors: true, TypeSwitchMonitor: true, TypeFeature: true, TypeEnd: true,
	TypeSessionEnded: true, TypeError: true, TypePing: true, TypeICERestart: true, TypeChatAck: true,
	TypeAction: true, TypeRestarting: true,
}

// DecodeEnvelope parses and validates one envelope from untrusted bytes.
func DecodeEnvelope(b []byte) (Envelope, error) {
	var e Envelope
	if len(b) > MaxEnvelopeBytes {
		return e, fmt.Errorf("%w: %d bytes exceeds %d", ErrInvalidEnvelope, len(b), MaxEnvelopeBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&e); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrInvalidEnvelope, err)
	}
	if dec.More() {
		return Envelope{}, fmt.Errorf("%w: trailing data", ErrInvalidEnvelope)
	}
	if err := e.Validate(); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

// Validate checks the type and the size and shape of every field.
func (e *Envelope) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidEnvelope, fmt.Sprintf(format, args...))
	}
	if !knownTypes[e.Type] {
		return bad("unknown type %q", truncate(e.Type, 32))
	}
	if !utf8.ValidString(e.Text) || utf8.RuneCountInString(e.Text) > MaxChatRunes {
		return bad("chat text too long or not UTF-8")
	}
	if len(e.SDP) > MaxSDPBytes {
		return bad("sdp too long")
	}
	if e.Candidate != nil && len(e.Candidate.Candidate) > MaxCandidateLen {
		return bad("candidate too long")
	}
	if len(e.Reason) > MaxReasonLen || len(e.Feature) > MaxReasonLen || len(e.State) > MaxReasonLen || len(e.Role) > MaxReasonLen {
		return bad("field too long")
	}
	if len(e.Monitors) > MaxMonitors || e.Monitor < 0 || e.Monitor >= MaxMonitors {
		return bad("monitor out of range")
	}
	if e.SASCommit != "" && (e.Type != TypeOffer || !isLowerHex(e.SASCommit, SASCommitLen)) {
		return bad("sasCommit not %d hex digits on an offer", SASCommitLen)
	}
	if e.RetryAfter < 0 || e.RetryAfter > MaxRetryAfter || (e.RetryAfter != 0 && e.Type != TypeControl) {
		return bad("retryAfter out of range")
	}
	if e.ID != "" && ((e.Type != TypeChat && e.Type != TypeChatAck) || !isID(e.ID)) {
		return bad("id not 1-%d of [A-Za-z0-9_-] on a chat or chat-ack", MaxIDLen)
	}
	if err := e.validateActions(); err != nil {
		return err
	}
	if err := e.validateICEServers(); err != nil {
		return err
	}
	switch e.Type {
	case TypeChat:
		if e.Text == "" {
			return bad("empty chat")
		}
	case TypeChatAck:
		if e.ID == "" {
			return bad("chat-ack without id")
		}
	case TypeOffer, TypeAnswer:
		if e.SDP == "" {
			return bad("missing sdp")
		}
	case TypeCandidate:
		if e.Candidate == nil {
			return bad("missing candidate")
		}
	case TypeConsent:
		if e.State != StateGranted && e.State != StateDenied {
			return bad("consent state %q", truncate(e.State, 16))
		}
	case TypeControl:
		switch e.State {
		case StateGranted, StateDenied, StateRevoked, StateReleased:
		default:
			return bad("control state %q", truncate(e.State, 16))
		}
	}
	return nil
}

// validateActions checks the quick-action fields: a name on an action
// message only, a list on control granted only, each name short kebab-case
// (a newer program's action passes here; the daemon knows its own).
func (e *Envelope) validateActions() error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrInvalidEnvelope, why) }
	if (e.Action != "") != (e.Type == TypeAction) {
		return bad("action name missing or on the wrong type")
	}
	if e.Action != "" && !IsActionName(e.Action) {
		return bad("action name not kebab-case")
	}
	if e.Type == TypeAction {
		switch e.State {
		case "", ActionAsked, ActionStarted, ActionDenied, ActionFailed:
		default:
			return bad("action state")
		}
	}
	if len(e.Actions) > 0 && (e.Type != TypeControl || e.State != StateGranted) {
		return bad("actions outside control granted")
	}
	if len(e.Actions) > MaxActions {
		return bad("too many actions")
	}
	for _, a := range e.Actions {
		if !IsActionName(a) {
			return bad("action name not kebab-case")
		}
	}
	return nil
}

// IsActionName reports whether s has the shape of a quick action's name:
// 1 to MaxActionLen bytes of lowercase letters, digits and dashes.
func IsActionName(s string) bool {
	if s == "" || len(s) > MaxActionLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Encode marshals an envelope.
func (e Envelope) Encode() ([]byte, error) { return json.Marshal(e) }

// SASCommitLen is the length of Envelope.SASCommit: SHA-256 in hex.
const SASCommitLen = 64

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func isID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// validateICEServers checks hello's ICE servers: only on hello, a few
// entries, each with 1 to MaxICEURLs short URLs and short credentials.
func (e *Envelope) validateICEServers() error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrInvalidEnvelope, why) }
	if len(e.ICEServers) == 0 {
		return nil
	}
	if e.Type != TypeHello {
		return bad("iceServers outside hello")
	}
	if len(e.ICEServers) > MaxICEServers {
		return bad("too many iceServers")
	}
	for _, s := range e.ICEServers {
		if len(s.URLs) == 0 || len(s.URLs) > MaxICEURLs {
			return bad("ice server without URLs or with too many")
		}
		if len(s.Username) > MaxICEFieldLen || len(s.Credential) > MaxICEFieldLen {
			return bad("ice server credentials too long")
		}
		for _, u := range s.URLs {
			if u == "" || len(u) > MaxICEFieldLen {
				return bad("ice server URL empty or too long")
			}
		}
	}
	return nil
}
