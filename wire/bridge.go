package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"unicode/utf8"
)

// The UI bridge is the one loopback WebSocket between the helper app's Go
// backend and its page (webview or browser). Text messages are JSON: the page
// sends BridgeRequest, the backend sends BridgeEvent. Binary messages go
// backend → page only and carry one video frame each (see frame.go).

// Page → backend request types (BridgeRequest.Type).
const (
	BridgeLogin          = "login"           // Server, Email, Password
	BridgeSignInLookup   = "signin-lookup"   // Server, Email: how this e-mail's organisation signs in
	BridgeLoginOIDC      = "login-oidc"      // Server, Org: sign in with the organisation's provider in the system browser
	BridgeLogout         = "logout"          // forget the sign-in
	BridgeCreateSession  = "create-session"  // ask the service for a code
	BridgeCancel         = "cancel"          // cancel the code before the sharer joins
	BridgeRequestControl = "request-control" // ask the sharer for control
	BridgeReleaseControl = "release-control" // give control back
	BridgeInput          = "input"           // Input: one input event
	BridgeAnnotate       = "annotate"        // Annotation
	BridgeChat           = "chat"            // Text (both ways; see BridgeEvent.Chat)
	BridgeSwitchMonitor  = "switch-monitor"  // Monitor
	BridgeKeyframe       = "keyframe"        // the decoder lost sync: ask for a keyframe
	BridgeMaxFPS         = "max-fps"         // FPS: the most frames a second the page decodes now (0: no limit)
	BridgeEnd            = "end"             // end the live session
	BridgeReset          = "reset"           // leave an ended session for the home screen
	BridgeQuickAction    = "quick-action"    // Action: a quick action on the sharer's computer (while in control)

	// The sharer's side ("Get help"): the backend relays these to the
	// sharer daemon's local API.
	BridgeGetHelp            = "get-help"              // Code: join the helper's session
	BridgeSharerAllow        = "sharer-allow"          // allow screen sharing
	BridgeSharerDeny         = "sharer-deny"           // refuse screen sharing
	BridgeSharerAllowControl = "sharer-allow-control"  // allow the helper to control
	BridgeSharerDenyControl  = "sharer-deny-control"   // refuse control
	BridgeSharerRevoke       = "sharer-revoke-control" // take control back
	BridgeSharerPause        = "sharer-pause"          // stop showing the screen for a while
	BridgeSharerResume       = "sharer-resume"         // show it again
	BridgeSharerStop         = "sharer-stop"           // end the session
	BridgeSharerChat         = "sharer-chat"           // Text: a chat line to the helper
	BridgeSharerReport       = "sharer-report"         // Comment (optional): report abuse, ends the session
	BridgeSharerKeepSharing  = "sharer-keep-sharing"   // answer "yes" to "Keep sharing?"
	BridgeSharerAllowRestart = "sharer-allow-restart"  // let the helper restart the computer
	BridgeSharerDenyRestart  = "sharer-deny-restart"   // do not restart
)

// Backend → page event types (BridgeEvent.Type).
const (
	BridgeState    = "state"    // Status: the whole UI state, sent on every change
	BridgeSession  = "session"  // Code, ExpiresAt: a new code to read to the sharer
	BridgeChatMsg  = "chat"     // Chat: one chat line, the helper's own lines echoed
	BridgeCursor   = "cursor"   // Cursor: the sharer's cursor
	BridgeMonitors = "monitors" // Monitors, Monitor: the sharer's displays
	BridgeStats    = "stats"    // Stats: once a second while live
	BridgeNotice   = "notice"   // Reason: a one-off event (control denied, revoked ...)
	BridgeError    = "error"    // Reason, Message: a request failed
	// SignIn: the answer to signin-lookup.
	BridgeSignInOptions = "signin-options"

	BridgeSharerState   = "sharer"      // Sharer: the sharer side's whole state
	BridgeSharerChatMsg = "sharer-chat" // Chat: one chat line of the sharer's session

	// The chat so far, sent when a page connects (a reload, a reopened
	// window): History replaces what the page shows. Kept in the app's
	// memory for the current session only (at most 200 lines, 64 KiB).
	BridgeChatHistory       = "chat-history"        // History: the helper's session
	BridgeSharerChatHistory = "sharer-chat-history" // History: the sharer's session
)

// Prompts the sharer's page shows (BridgeSharer.Prompt).
const (
	PromptScreen      = "screen"       // allow the helper to see the screen?
	PromptControl     = "control"      // allow the helper to control?
	PromptKeepSharing = "keep-sharing" // still sharing after a long time?
	PromptRestart     = "restart"      // let the helper restart the computer?
)

// UI states (BridgeStatus.State). The page shows one screen per state.
const (
	UIStateSignedOut       = "signed-out"       // sign-in form
	UIStateSigningIn       = "signing-in"       // sign-in request in flight
	UIStateHome            = "home"             // signed in, no session
	UIStateCreating        = "creating"         // asking the service for a code
	UIStateWaitingSharer   = "waiting-sharer"   // code shown, the sharer has not joined
	UIStateAwaitingConsent = "awaiting-consent" // the sharer joined, deciding about sharing
	UIStateConnecting      = "connecting"       // consent given, media connecting
	UIStateLive            = "live"             // video flowing
	UIStateReconnecting    = "reconnecting"     // connection lost, trying again until ReconnectUntil
	UIStateEnded           = "ended"            // Reason says why
	UIStateDisabled        = "disabled"         // this machine's policy turned QuickHelp off; Detail has its words
)

// Limits of bridge messages. MaxBridgeMessageBytes is the backend's read
// limit (page requests); MaxBridgeEventBytes bounds one event to the page,
// the largest being a chat history (200 lines, 64 KiB of text, JSON-escaped).
const (
	MaxBridgeMessageBytes = 32 << 10
	MaxBridgeEventBytes   = 512 << 10
	MaxBridgeFieldLen     = 512
	MaxPasswordLen        = 1024
	MaxHelpCodeLen        = 32   // a code as typed, spaces and dashes included
	MaxReportCommentRunes = 2000 // the service's limit of an abuse report's comment
)

// BridgeRequest is one JSON message from the page.
type BridgeRequest struct {
	Type       string      `json:"type"`
	Server     string      `json:"server,omitempty"`
	Email      string      `json:"email,omitempty"`
	Password   string      `json:"password,omitempty"`
	Text       string      `json:"text,omitempty"`
	Monitor    int         `json:"monitor,omitempty"`
	Input      *InputEvent `json:"input,omitempty"`
	Annotation *Annotation `json:"annotation,omitempty"`
	Code       string      `json:"code,omitempty"`    // get-help
	Comment    string      `json:"comment,omitempty"` // sharer-report
	Action     string      `json:"action,omitempty"`  // quick-action
	Org        string      `json:"org,omitempty"`     // login-oidc: the organisation's name
	FPS        int         `json:"fps,omitempty"`     // max-fps: 0 (no limit) to MaxViewerFPS
}

// MaxViewerFPS bounds a viewer's frame-rate limit (BridgeMaxFPS).
const MaxViewerFPS = 60

// BridgeStatus is the page's whole view of the backend's state.
type BridgeStatus struct {
	State          string `json:"state"`
	Server         string `json:"server,omitempty"`         // the service URL in use
	UserName       string `json:"userName,omitempty"`       // the signed-in helper's display name
	Control        string `json:"control"`                  // ControlNone, ControlRequested, ControlGranted
	Paused         bool   `json:"paused,omitempty"`         // the sharer paused sharing
	PauseReason    Reason `json:"pauseReason,omitempty"`    // Paused: why, when not the sharer's choice (ReasonSecureDesktop)
	SharerPresent  bool   `json:"sharerPresent,omitempty"`  // the sharer is connected (chat possible)
	Reason         Reason `json:"reason,omitempty"`         // UIStateEnded, UIStateDisabled: why
	Detail         string `json:"detail,omitempty"`         // UIStateDisabled: the policy's own words (English)
	ReconnectUntil int64  `json:"reconnectUntil,omitempty"` // UIStateReconnecting: unix ms deadline
	// Network says what is wrong with the media path, if anything:
	// ReasonNetworkInterrupted from the moment it went down until it is
	// back (the page says the connection is poor, with the countdown),
	// ReasonNetworkBlocked once no path came up within 15 s (the page
	// says what to ask the network administrator).
	Network Reason `json:"network,omitempty"`
	// SAS is the security code of the current DTLS connection with the
	// sharer ("123 456"), for both people to compare; empty while there is
	// no connection.
	SAS string `json:"sas,omitempty"`
	// Actions are the quick actions the sharer's computer offers while the
	// helper has control (ActionTaskManager, ActionRestart); empty
	// otherwise, so the page shows no button.
	Actions []string `json:"actions,omitempty"`
}

// BridgeChatLine is one chat message shown in the chat panel.
type BridgeChatLine struct {
	From string `json:"from"` // RoleHelper or RoleSharer
	Text string `json:"text"`
	TS   int64  `json:"ts"` // unix milliseconds
}

// BridgeStatsInfo is the live session's status line.
type BridgeStatsInfo struct {
	FPS         float64 `json:"fps"`
	BitrateKbps float64 `json:"bitrateKbps"`
	RTTMs       float64 `json:"rttMs"`     // 0 when not measured yet
	LatencyMs   float64 `json:"latencyMs"` // capture to forwarded-to-page; -1 when unknown (clocks not comparable)
	Dropped     uint64  `json:"dropped"`   // frames dropped for a slow page
	Width       int     `json:"width,omitempty"`
	Height      int     `json:"height,omitempty"`
}

// BridgeEvent is one JSON message to the page.
type BridgeEvent struct {
	Type      string           `json:"type"`
	Status    *BridgeStatus    `json:"status,omitempty"`
	Code      string           `json:"code,omitempty"`
	ExpiresAt int64            `json:"expiresAt,omitempty"` // unix ms
	Chat      *BridgeChatLine  `json:"chat,omitempty"`
	Cursor    *Cursor          `json:"cursor,omitempty"`
	Monitors  []Monitor        `json:"monitors,omitempty"`
	Monitor   int              `json:"monitor,omitempty"`
	Stats     *BridgeStatsInfo `json:"stats,omitempty"`
	Reason    Reason           `json:"reason,omitempty"`  // notice, error: the page translates it
	Message   string           `json:"message,omitempty"` // English detail, shown only for a reason the page does not know
	Sharer    *BridgeSharer    `json:"sharer,omitempty"`
	// History: chat-history, sharer-chat-history (oldest first; may be empty).
	History []BridgeChatLine `json:"history,omitempty"`
	// RetryAfter: a control-wait notice: seconds until control may be asked
	// for again.
	RetryAfter int `json:"retryAfter,omitempty"`
	// SignIn: signin-options.
	SignIn *BridgeSignIn `json:"signIn,omitempty"`
}

// BridgeSignIn says how the people of an e-mail's domain sign in: with
// their organisation's provider (OIDC, "Sign in with Organization") and/or
// with a QuickHelp password.
type BridgeSignIn struct {
	Email        string `json:"email"`
	Organization string `json:"organization,omitempty"`
	OIDC         bool   `json:"oidc"`
	Password     bool   `json:"password"`
}

// BridgeSharer is the sharer side's state: the daemon's status plus the
// prompt the page must show.
type BridgeSharer struct {
	SharerStatus
	// Available is false while the sharer daemon cannot be reached.
	Available bool `json:"available"`
	// Prompt is PromptScreen, PromptControl, PromptKeepSharing, PromptRestart or "".
	Prompt string `json:"prompt,omitempty"`
	// PromptUntil is when an unanswered keep-sharing prompt ends the
	// session, or a restart question counts as no (unix ms); 0 when not
	// known.
	PromptUntil int64 `json:"promptUntil,omitempty"`
	// JoinedHere is true when this app's own Get help joined the session:
	// a page where a helper is signed in shows the sharer's screens only
	// then, never for a session joined elsewhere (the CLI, another window).
	JoinedHere bool `json:"joinedHere,omitempty"`
}

// ErrInvalidBridgeMessage is wrapped by every bridge decode error.
var ErrInvalidBridgeMessage = errors.New("wire: invalid bridge message")

// DecodeBridgeRequest parses and validates one page request from untrusted bytes.
func DecodeBridgeRequest(b []byte) (BridgeRequest, error) {
	var r BridgeRequest
	if len(b) > MaxBridgeMessageBytes {
		return r, fmt.Errorf("%w: %d bytes", ErrInvalidBridgeMessage, len(b))
	}
	if err := decodeJSONStrict(b, &r); err != nil {
		return BridgeRequest{}, fmt.Errorf("%w: %v", ErrInvalidBridgeMessage, err)
	}
	if err := r.Validate(); err != nil {
		return BridgeRequest{}, err
	}
	return r, nil
}

// Validate checks the type and the fields that type needs.
func (r BridgeRequest) Validate() error {
	bad := func(why string) error {
		return fmt.Errorf("%w: %s %s", ErrInvalidBridgeMessage, truncate(r.Type, 16), why)
	}
	if len(r.Email) > MaxBridgeFieldLen || len(r.Server) > MaxBridgeFieldLen || len(r.Password) > MaxPasswordLen ||
		len(r.Org) > MaxBridgeFieldLen {
		return bad("field too long")
	}
	switch r.Type {
	case BridgeLogin:
		if r.Email == "" || r.Password == "" {
			return bad("missing email or password")
		}
		if r.Server != "" {
			u, err := url.Parse(r.Server)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return bad("server is not an http(s) URL")
			}
		}
	case BridgeSignInLookup, BridgeLoginOIDC:
		if (r.Type == BridgeSignInLookup && r.Email == "") || (r.Type == BridgeLoginOIDC && r.Org == "") {
			return bad("missing email or organisation")
		}
		if r.Server != "" {
			u, err := url.Parse(r.Server)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return bad("server is not an http(s) URL")
			}
		}
	case BridgeChat:
		if r.Text == "" || !utf8.ValidString(r.Text) || utf8.RuneCountInString(r.Text) > MaxChatRunes {
			return bad("chat text empty, too long or not UTF-8")
		}
	case BridgeInput:
		if r.Input == nil {
			return bad("missing input")
		}
		if err := r.Input.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidBridgeMessage, err)
		}
	case BridgeAnnotate:
		if r.Annotation == nil {
			return bad("missing annotation")
		}
		if err := r.Annotation.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidBridgeMessage, err)
		}
	case BridgeSwitchMonitor:
		if r.Monitor < 0 || r.Monitor >= MaxMonitors {
			return bad("monitor out of range")
		}
	case BridgeGetHelp:
		if r.Code == "" || len(r.Code) > MaxHelpCodeLen || !utf8.ValidString(r.Code) {
			return bad("code empty, too long or not UTF-8")
		}
	case BridgeSharerChat:
		if r.Text == "" || !utf8.ValidString(r.Text) || utf8.RuneCountInString(r.Text) > MaxChatRunes {
			return bad("chat text empty, too long or not UTF-8")
		}
	case BridgeSharerReport:
		if !utf8.ValidString(r.Comment) || utf8.RuneCountInString(r.Comment) > MaxReportCommentRunes {
			return bad("comment too long or not UTF-8")
		}
	case BridgeQuickAction:
		if !IsActionName(r.Action) {
			return bad("action name missing or not kebab-case")
		}
	case BridgeMaxFPS:
		if r.FPS < 0 || r.FPS > MaxViewerFPS {
			return bad("fps out of range")
		}
	case BridgeLogout, BridgeCreateSession, BridgeCancel, BridgeRequestControl,
		BridgeReleaseControl, BridgeKeyframe, BridgeEnd, BridgeReset,
		BridgeSharerAllow, BridgeSharerDeny, BridgeSharerAllowControl, BridgeSharerDenyControl,
		BridgeSharerRevoke, BridgeSharerPause, BridgeSharerResume, BridgeSharerStop, BridgeSharerKeepSharing,
		BridgeSharerAllowRestart, BridgeSharerDenyRestart:
	default:
		return bad("unknown type")
	}
	return nil
}

// DecodeBridgeEvent parses one backend event; the page's decoder mirrors it.
func DecodeBridgeEvent(b []byte) (BridgeEvent, error) {
	var e BridgeEvent
	if len(b) > MaxBridgeEventBytes {
		return e, fmt.Errorf("%w: %d bytes", ErrInvalidBridgeMessage, len(b))
	}
	if err := decodeJSONStrict(b, &e); err != nil {
		return BridgeEvent{}, fmt.Errorf("%w: %v", ErrInvalidBridgeMessage, err)
	}
	if e.RetryAfter < 0 || e.RetryAfter > MaxRetryAfter {
		return BridgeEvent{}, fmt.Errorf("%w: retryAfter out of range", ErrInvalidBridgeMessage)
	}
	switch e.Type {
	case BridgeState:
		if e.Status == nil || e.Status.State == "" {
			return BridgeEvent{}, fmt.Errorf("%w: state without status", ErrInvalidBridgeMessage)
		}
		if len(e.Status.Actions) > MaxActions {
			return BridgeEvent{}, fmt.Errorf("%w: too many actions", ErrInvalidBridgeMessage)
		}
		for _, a := range e.Status.Actions {
			if !IsActionName(a) {
				return BridgeEvent{}, fmt.Errorf("%w: action name", ErrInvalidBridgeMessage)
			}
		}
	case BridgeSession:
		if e.Code == "" || e.ExpiresAt <= 0 {
			return BridgeEvent{}, fmt.Errorf("%w: session without code or expiry", ErrInvalidBridgeMessage)
		}
	case BridgeChatMsg, BridgeSharerChatMsg:
		if e.Chat == nil {
			return BridgeEvent{}, fmt.Errorf("%w: chat without line", ErrInvalidBridgeMessage)
		}
	case BridgeCursor:
		if e.Cursor == nil {
			return BridgeEvent{}, fmt.Errorf("%w: cursor without cursor", ErrInvalidBridgeMessage)
		}
	case BridgeStats:
		if e.Stats == nil {
			return BridgeEvent{}, fmt.Errorf("%w: stats without stats", ErrInvalidBridgeMessage)
		}
	case BridgeSharerState:
		if e.Sharer == nil || e.Sharer.State == "" {
			return BridgeEvent{}, fmt.Errorf("%w: sharer without state", ErrInvalidBridgeMessage)
		}
	case BridgeChatHistory, BridgeSharerChatHistory:
		for _, l := range e.History {
			if l.From != RoleHelper && l.From != RoleSharer {
				return BridgeEvent{}, fmt.Errorf("%w: chat history line from %q", ErrInvalidBridgeMessage, truncate(l.From, 16))
			}
		}
	case BridgeSignInOptions:
		if e.SignIn == nil {
			return BridgeEvent{}, fmt.Errorf("%w: signin-options without signIn", ErrInvalidBridgeMessage)
		}
	case BridgeMonitors, BridgeNotice, BridgeError:
	default:
		return BridgeEvent{}, fmt.Errorf("%w: unknown type %q", ErrInvalidBridgeMessage, truncate(e.Type, 16))
	}
	return e, nil
}

func decodeJSONStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}
