package wire

import (
	"encoding/json"
	"slices"
)

// Reason says why something ended or was refused. It is the one vocabulary
// of "why" on every boundary: the service's REST error bodies (Error.Code),
// the session WebSocket (end, session-ended and error envelopes), the sharer
// daemon's local API (LocalResponse.Reason, SharerStatus.Reason) and the UI
// bridge (BridgeEvent.Reason, BridgeStatus.Reason). Programs send reasons,
// never sentences meant for people: every UI translates a reason into its
// own language (the page's i18n tables; Text for Go-side English output).
//
// Reasons are spelled in kebab-case, like every other enumeration on the
// wire (message types, states, commands, features) and like the page's
// translation keys, so a reason reads the same in a log line, a JSON body
// and a catalogue key. The REST codes of earlier releases were snake_case;
// UnmarshalJSON still accepts them (see legacyReasons).
//
// A reason a program does not know (from a newer peer) is kept as it is;
// UIs show a generic text for it.
type Reason string

// Session end reasons (end and session-ended envelopes, SessionRecord.EndReason,
// SharerStatus.Reason, BridgeStatus.Reason of the ended state).
const (
	ReasonHelperEnded    Reason = "helper-ended"
	ReasonSharerEnded    Reason = "sharer-ended"
	ReasonSharerDenied   Reason = "sharer-denied"
	ReasonConsentTimeout Reason = "consent-timeout" // the sharer did not answer the consent prompt in time
	ReasonTimeout        Reason = "timeout"         // a participant did not come back within the resume window
	ReasonCancelled      Reason = "cancelled"       // the helper cancelled before the sharer joined
	ReasonExpired        Reason = "expired"         // the code expired unused
	ReasonReported       Reason = "reported"        // the sharer reported abuse
	ReasonShutdown       Reason = "shutdown"        // the service is shutting down
	ReasonPolicy         Reason = "policy"          // an organisation's or this machine's policy ended it
	ReasonError          Reason = "error"           // the session failed

	// ReasonKeepSharingTimeout: nobody answered "Keep sharing?" in time.
	ReasonKeepSharingTimeout Reason = "keep-sharing-timeout"
)

// Reasons of a refused session message (error envelopes) and of the
// session record's error codes.
const (
	ReasonInvalidMessage Reason = "invalid-message" // the envelope did not decode
	ReasonNotAllowed     Reason = "not-allowed"     // the request does not fit the sender's role or the current state
	ReasonPeerAbsent     Reason = "peer-absent"     // the other participant is not connected
	ReasonSlowConsumer   Reason = "slow-consumer"   // a participant read too slowly and was disconnected
)

// Reasons of a refused REST request (Error.Code) and of the local API and
// UI bridge when they pass one on.
const (
	ReasonBadRequest      Reason = "bad-request"
	ReasonUnauthorized    Reason = "unauthorized"
	ReasonForbidden       Reason = "forbidden"
	ReasonOrgDisabled     Reason = "org-disabled"     // the organisation turned QuickHelp off
	ReasonHelperSuspended Reason = "helper-suspended" // the helper's account is suspended
	ReasonNotFound        Reason = "not-found"        // also: unknown, expired or used code
	ReasonRateLimited     Reason = "rate-limited"
	ReasonSessionFull     Reason = "session-full"
	ReasonInternal        Reason = "internal"
	ReasonUnavailable     Reason = "unavailable"
	// ReasonSSORequired: the organisation lets its people sign in only
	// with its own provider, not with a QuickHelp password.
	ReasonSSORequired Reason = "sso-required"
)

// Reasons of the sharer daemon's refusals (LocalResponse.Reason), passed on
// to the page unchanged.
const (
	ReasonWrongCode     Reason = "wrong-code"     // the code is not valid or has expired
	ReasonNoConnection  Reason = "no-connection"  // the service cannot be reached
	ReasonSessionBusy   Reason = "session-busy"   // a session is already in progress
	ReasonNoSession     Reason = "no-session"     // the command needs a session
	ReasonMachinePolicy Reason = "machine-policy" // this machine's policy does not allow it
	ReasonFailed        Reason = "failed"         // anything else; the detail is for logs

	// ReasonWaylandUnsupported: the session is Wayland, which the daemon
	// cannot capture yet (XWayland would show only X clients).
	ReasonWaylandUnsupported Reason = "wayland-unsupported"
	// ReasonMacUnsupported: the daemon runs on macOS, whose screen it cannot
	// share yet.
	ReasonMacUnsupported Reason = "mac-unsupported"
)

// Reasons of the helper app's notices and errors (UI bridge).
const (
	ReasonBadCredentials    Reason = "bad-credentials"
	ReasonServerUnreachable Reason = "server-unreachable"
	ReasonBadServerURL      Reason = "bad-server-url"
	ReasonControlDenied     Reason = "control-denied"
	ReasonControlRevoked    Reason = "control-revoked"
	// ReasonControlWait comes with control {state: denied} when the helper
	// asked again too soon after a refusal: the sharer was not asked, and
	// RetryAfter says in how many seconds a new request will be put to them.
	ReasonControlWait       Reason = "control-wait"
	ReasonConnectionLost    Reason = "connection-lost"
	ReasonSharerUnavailable Reason = "sharer-unavailable" // the sharer program could not be started or reached
	ReasonSharerNotYours    Reason = "sharer-not-yours"   // another user's program holds the local connection (Windows pipe)
	ReasonSSOFailed         Reason = "sso-failed"         // sign-in in the browser with the organisation's provider did not finish
	// ReasonSSONotAllowed: the provider signed the person in, but they do
	// not belong to the organisation (tenant or domain rule, e-mail not
	// verified, an identity of another organisation).
	ReasonSSONotAllowed Reason = "sso-not-allowed"
	// ReasonSSOEmailTaken: a QuickHelp password account already uses the
	// e-mail the provider gave; the two are never joined automatically.
	ReasonSSOEmailTaken Reason = "sso-email-taken"
)

// Reasons of a troubled media path (control {state: revoked}, UI-bridge
// notices, SharerStatus.Network).
const (
	// ReasonNetworkInterrupted: the media path was down for longer than a
	// blip (or ICE restarted); control was turned off and QuickHelp is
	// reconnecting.
	ReasonNetworkInterrupted Reason = "network-interrupted"
	// ReasonNetworkBlocked: no media path came up within 15 s; a network
	// probably blocks it (see docs/networks.md, what to allow).
	ReasonNetworkBlocked Reason = "network-blocked"
)

// Reasons of the quick actions (UI-bridge notices and state).
const (
	// ReasonSharerRestarting: the sharer's computer is restarting; the
	// session waits (up to the service's restart window) for them to sign
	// in and allow sharing again.
	ReasonSharerRestarting Reason = "sharer-restarting"
	// ReasonRestartDenied: the sharer chose not to restart (or did not
	// answer in time).
	ReasonRestartDenied Reason = "restart-denied"
)

// ReasonSecureDesktop: the sharer's input desktop is not their own (a
// Windows UAC prompt, the Ctrl+Alt+Del screen, the lock screen). Sharing
// and control are held until it is gone (pause/resume to the helper,
// SharerStatus.Desktop to the sharer); neither is ever shown to or driven by
// the helper.
const ReasonSecureDesktop Reason = "secure-desktop"

// allReasons is every Reason constant, in the order of docs/protocol.md.
var allReasons = []Reason{
	ReasonHelperEnded, ReasonSharerEnded, ReasonSharerDenied, ReasonConsentTimeout,
	ReasonTimeout, ReasonCancelled, ReasonExpired, ReasonReported, ReasonShutdown,
	ReasonPolicy, ReasonError, ReasonKeepSharingTimeout,
	ReasonInvalidMessage, ReasonNotAllowed, ReasonPeerAbsent, ReasonSlowConsumer,
	ReasonBadRequest, ReasonUnauthorized, ReasonForbidden, ReasonOrgDisabled,
	ReasonHelperSuspended, ReasonNotFound, ReasonRateLimited, ReasonSessionFull,
	ReasonInternal, ReasonUnavailable, ReasonSSORequired,
	ReasonWrongCode, ReasonNoConnection, ReasonSessionBusy, ReasonNoSession,
	ReasonMachinePolicy, ReasonFailed,
	ReasonWaylandUnsupported, ReasonMacUnsupported,
	ReasonBadCredentials, ReasonServerUnreachable, ReasonBadServerURL,
	ReasonControlDenied, ReasonControlRevoked, ReasonControlWait, ReasonConnectionLost, ReasonSharerUnavailable,
	ReasonSharerNotYours, ReasonSSOFailed, ReasonSSONotAllowed, ReasonSSOEmailTaken,
	ReasonNetworkInterrupted, ReasonNetworkBlocked,
	ReasonSharerRestarting, ReasonRestartDenied,
	ReasonSecureDesktop,
}

// Reasons returns every Reason constant.
func Reasons() []Reason { return slices.Clone(allReasons) }

// Known reports whether r is one of this release's constants.
func (r Reason) Known() bool { return slices.Contains(allReasons, r) }

// legacyReasons maps the spellings of the previous release to their
// constant. They are accepted on input only, so a newer program keeps
// understanding an older peer during a rolling upgrade; nothing sends them.
// Remove them one release after this one.
var legacyReasons = map[string]Reason{
	// REST codes were snake_case.
	"bad_request":      ReasonBadRequest,
	"org_disabled":     ReasonOrgDisabled,
	"helper_suspended": ReasonHelperSuspended,
	"not_found":        ReasonNotFound,
	"rate_limited":     ReasonRateLimited,
	"session_full":     ReasonSessionFull,
	// The UI bridge and the local API had synonyms of their own.
	"account-suspended": ReasonHelperSuspended,
	"code-expired":      ReasonExpired,
	"sharer-failed":     ReasonFailed,
	"busy":              ReasonSessionBusy,
}

// ParseReason returns the Reason of s, mapping an older spelling to its
// constant; any other text is kept as it is.
func ParseReason(s string) Reason {
	if r, ok := legacyReasons[s]; ok {
		return r
	}
	return Reason(s)
}

// UnmarshalJSON accepts the older spellings (ParseReason).
func (r *Reason) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*r = ParseReason(s)
	return nil
}
