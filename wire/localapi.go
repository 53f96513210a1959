package wire

import "encoding/json"

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
	LocalKeepSharing   = "keep-sharing"  // answer "yes" to "Keep sharing?"
	LocalAllowRestart  = "allow-restart" // the helper asked to restart the computer: yes
	LocalDenyRestart   = "deny-restart"  // no
	LocalChat          = "chat"          // Text
	LocalReport        = "report"        // Comment; ends the session
	LocalEvents        = "events"        // switch the connection to the event stream
	// LocalQuit is the person's own stop of the daemon (the app quitting):
	// the session, if any, ends, then the daemon exits. A daemon stopped
	// from outside (SIGTERM: an update, the service manager) leaves its
	// session to the next daemon instead.
	LocalQuit = "quit"
)

// Sharer states (SharerStatus.State).
const (
	SharerIdle            = "idle"
	SharerJoining         = "joining"
	SharerAwaitingConsent = "awaiting-consent"
	SharerSharing         = "sharing"
	SharerPaused          = "paused"
	SharerRestarting      = "restarting" // the computer is restarting; the session resumes after the next sign-in
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
	Reason    Reason      `json:"reason,omitempty"` // why the session ended
	Connected bool        `json:"connected"`        // the helper's peer connection is up
	Dropped   uint64      `json:"dropped"`          // input events dropped by the consent gate
	Frames    uint64      `json:"frames"`           // video frames sent
	// SAS is the security code of the current DTLS connection with the
	// helper ("123 456"), for both people to compare; empty while there is
	// no connection.
	SAS string `json:"sas,omitempty"`
	// KeepSharingUntil is set while "Keep sharing?" waits for an answer:
	// when sharing stops without one (unix ms). Answer with LocalKeepSharing.
	KeepSharingUntil int64 `json:"keepSharingUntil,omitempty"`
	// Network says what is wrong with the media path to the helper, if
	// anything: ReasonNetworkInterrupted while it is being restored,
	// ReasonNetworkBlocked once none came up within 15 s.
	Network Reason `json:"network,omitempty"`
	// Desktop is ReasonSecureDesktop while the input desktop is a Windows
	// prompt (UAC, Ctrl+Alt+Del, the lock screen): sharing and control are
	// held until it is gone, and the sharer is told to answer it.
	Desktop Reason `json:"desktop,omitempty"`
	// Restarts counts the ICE restarts of this session.
	Restarts uint64 `json:"restarts,omitempty"`
	// RestartUntil is set while the helper's request to restart the
	// computer waits for the sharer's answer (LocalAllowRestart or
	// LocalDenyRestart): when it counts as "no" (unix ms).
	RestartUntil int64 `json:"restartUntil,omitempty"`
	// Resumed is true for a session this daemon took up again after it or
	// the computer restarted: the screen question asks whether to go on
	// sharing with the same helper. Control is never carried over.
	Resumed bool `json:"resumed,omitempty"`
}

// LocalResponse answers one LocalRequest.
type LocalResponse struct {
	OK bool `json:"ok"`
	// Reason says why a request was refused; UIs translate it.
	Reason Reason `json:"reason,omitempty"`
	// Error is English detail for logs and command-line output (and the
	// text older UIs show); UIs that translate show Reason instead.
	Error  string        `json:"error,omitempty"`
	Status *SharerStatus `json:"status,omitempty"`
}

// UnmarshalJSON accepts the refusal reasons of the previous release:
// besides the spellings every Reason accepts, the local API's "policy"
// meant this machine's policy (ReasonMachinePolicy), while the end reason
// "policy" keeps its meaning.
func (r *LocalResponse) UnmarshalJSON(b []byte) error {
	type plain LocalResponse
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p.Reason == ReasonPolicy {
		p.Reason = ReasonMachinePolicy
	}
	*r = LocalResponse(p)
	return nil
}

// Local event kinds (LocalEvent.Type).
const (
	EventStatus         = "status"          // Status changed
	EventConsentNeeded  = "consent-needed"  // ask the local user to allow screen sharing
	EventControlRequest = "control-request" // ask the local user to allow control
	EventChat           = "chat"            // Text from From
	EventKeepSharing    = "keep-sharing"    // ask the local user "Keep sharing?" (Status.KeepSharingUntil)
	EventRestartRequest = "restart-request" // ask the local user whether to restart the computer (Status.RestartUntil)
)

// LocalEvent is one line of the daemon's event stream.
type LocalEvent struct {
	Type   string        `json:"type"`
	Status *SharerStatus `json:"status,omitempty"`
	Text   string        `json:"text,omitempty"`
	From   string        `json:"from,omitempty"`
	TS     int64         `json:"ts,omitempty"`
}
