package wire

// The sharer daemon's local API: newline-delimited JSON over a per-user
// socket (Unix socket 0600 on Linux, owner-only named pipe on Windows). A
// client writes one LocalRequest per line and reads one LocalResponse per
// line; after the "events" command the daemon writes LocalEvent lines until
// the client disconnects.

// Local API commands.
const (
	LocalStatus        = "status"
	LocalJoin          = "join"  // Code, optional Server
	LocalAllow         = "allow" // allow screen sharing
	LocalDeny          = "deny"
	LocalAllowControl  = "allow-control"
	LocalDenyControl   = "deny-control"
	LocalRevokeControl = "revoke-control"
	LocalPause         = "pause"
	LocalResume        = "resume"
	LocalStop          = "stop"
	LocalChat          = "chat"   // Text
	LocalReport        = "report" // Comment; ends the session
	LocalEvents        = "events" // switch the connection to the event stream
)

// Sharer states (SharerStatus.State).
const (
	SharerIdle            = "idle"
	SharerJoining         = "joining"
	SharerAwaitingConsent = "awaiting-consent"
	SharerSharing         = "sharing"
	SharerPaused          = "paused"
	SharerEnded           = "ended"
)

// Control states (SharerStatus.Control).
const (
	ControlNone      = "none"
	ControlRequested = "requested"
	ControlGranted   = "granted"
)

// LocalRequest is one command to the daemon.
type LocalRequest struct {
	Cmd     string `json:"cmd"`
	Code    string `json:"code,omitempty"`
	Server  string `json:"server,omitempty"`
	Text    string `json:"text,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// SharerStatus is the daemon's state as the local user sees it.
type SharerStatus struct {
	State     string      `json:"state"`
	Control   string      `json:"control"`
	Helper    *HelperInfo `json:"helper,omitempty"`
	SessionID string      `json:"sessionId,omitempty"`
	Reason    string      `json:"reason,omitempty"` // why the session ended
	Connected bool        `json:"connected"`        // the helper's peer connection is up
	Dropped   uint64      `json:"dropped"`          // input events dropped by the consent gate
	Frames    uint64      `json:"frames"`           // video frames sent
	// SAS is the security code of the current DTLS connection with the
	// helper ("123 456"), for both people to compare; empty while there is
	// no connection.
	SAS string `json:"sas,omitempty"`
}

// LocalResponse answers one LocalRequest.
type LocalResponse struct {
	OK     bool          `json:"ok"`
	Error  string        `json:"error,omitempty"`  // plain language
	Reason string        `json:"reason,omitempty"` // LocalReason*, for UIs that translate
	Status *SharerStatus `json:"status,omitempty"`
}

// Machine-readable reasons of a refused local request (LocalResponse.Reason).
const (
	LocalReasonWrongCode    = "wrong-code"    // the code is not valid or has expired
	LocalReasonRateLimited  = "rate-limited"  // too many wrong codes
	LocalReasonOrgDisabled  = "org-disabled"  // the helper's organisation turned QuickHelp off
	LocalReasonPolicy       = "policy"        // this machine's policy refuses it
	LocalReasonNoConnection = "no-connection" // the service cannot be reached
	LocalReasonBusy         = "busy"          // a session is already in progress
	LocalReasonNoSession    = "no-session"    // the command needs a session
	LocalReasonFailed       = "failed"        // anything else; Error has the words
)

// Local event kinds (LocalEvent.Type).
const (
	EventStatus         = "status"          // Status changed
	EventConsentNeeded  = "consent-needed"  // ask the local user to allow screen sharing
	EventControlRequest = "control-request" // ask the local user to allow control
	EventChat           = "chat"            // Text from From
)

// LocalEvent is one line of the daemon's event stream.
type LocalEvent struct {
	Type   string        `json:"type"`
	Status *SharerStatus `json:"status,omitempty"`
	Text   string        `json:"text,omitempty"`
	From   string        `json:"from,omitempty"`
	TS     int64         `json:"ts,omitempty"`
}
