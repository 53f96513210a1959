package wire

// The English text of every reason, for Go-side output (command-line tools,
// logs meant for people, the Message of a REST error, the Error of a local
// API answer kept for older UIs). The page has its own catalogues in every
// language; testdata/reasons.json holds both and the golden tests of both
// sides keep them equal.

type reasonText struct {
	en     string // as told to the helper, or to anyone
	sharer string // as told to the person sharing the screen; "" means en
}

var reasonTexts = map[Reason]reasonText{
	ReasonHelperEnded:        {"You ended the session.", "Your helper ended the session."},
	ReasonSharerEnded:        {"The other person ended the session.", "You stopped sharing your screen."},
	ReasonSharerDenied:       {"The other person chose not to share their screen.", "Your screen was not shared."},
	ReasonConsentTimeout:     {"The other person did not answer the request to share their screen in time.", "Your screen was not shared because the question was not answered in time."},
	ReasonTimeout:            {"The connection could not be restored in time.", "The connection to your helper was lost."},
	ReasonCancelled:          {"You cancelled the code.", ""},
	ReasonExpired:            {"The code expired before it was used. Get a new code.", ""},
	ReasonReported:           {"The other person ended the session and reported it.", "You reported the helper and the session was stopped. Thank you."},
	ReasonShutdown:           {"The QuickHelp server is restarting. Try again in a moment.", "The QuickHelp service is restarting. Try again in a moment."},
	ReasonPolicy:             {"Your organisation’s policy ended the session.", "Your organisation’s policy ended the session."},
	ReasonError:              {"The session ended because of an error.", "The session ended because of an error."},
	ReasonKeepSharingTimeout: {"Screen sharing stopped because nobody answered “Keep sharing?”.", "Sharing stopped because “Keep sharing?” was not answered in time."},

	ReasonInvalidMessage: {"The QuickHelp service did not accept a message. Try again.", ""},
	ReasonNotAllowed:     {"That is not possible right now.", ""},
	ReasonPeerAbsent:     {"The other person is not connected right now.", ""},
	ReasonSlowConsumer:   {"The connection was too slow and was closed.", ""},

	ReasonBadRequest:      {"Something went wrong with that request. Try again.", ""},
	ReasonUnauthorized:    {"Please sign in again.", ""},
	ReasonForbidden:       {"You are not allowed to do that.", ""},
	ReasonOrgDisabled:     {"QuickHelp has been turned off by your organisation, or does not allow this helper. Ask your IT department.", ""},
	ReasonHelperSuspended: {"Your account has been suspended. Ask your administrator.", ""},
	ReasonNotFound:        {"That was not found. It may have expired.", ""},
	ReasonRateLimited:     {"Too many attempts. Wait a minute and try again.", ""},
	ReasonSessionFull:     {"Someone has already joined with this code.", ""},
	ReasonInternal:        {"Something went wrong in QuickHelp. Try again.", ""},
	ReasonUnavailable:     {"QuickHelp is busy. Try again in a moment.", ""},
	ReasonSSORequired:     {"Your organisation signs in with its own account. Use “Sign in with” your organisation.", ""},

	ReasonWrongCode:     {"That code is not right or has expired. Check it, or ask your helper for a new one.", ""},
	ReasonNoConnection:  {"QuickHelp cannot reach its service. Check your internet connection and try again.", ""},
	ReasonSessionBusy:   {"You are already sharing your screen. Stop that session first.", ""},
	ReasonNoSession:     {"There is no session in progress.", ""},
	ReasonMachinePolicy: {"Your organisation’s QuickHelp policy on this computer does not allow this.", ""},
	ReasonFailed:        {"QuickHelp could not do that. Try again.", ""},

	ReasonWaylandUnsupported: {"This desktop (Wayland) cannot be shared yet; choose an X11 session at sign-in.", ""},
	ReasonMacUnsupported:     {"Sharing this Mac’s screen is not supported yet.", ""},

	ReasonBadCredentials:    {"The email or password is not right. Check them and try again.", ""},
	ReasonServerUnreachable: {"Could not reach the QuickHelp server. Check the server address and your internet connection.", ""},
	ReasonBadServerURL:      {"The server address does not look right. It should start with https://", ""},
	ReasonControlDenied:     {"They chose not to give you control.", ""},
	ReasonControlRevoked:    {"They took back control. You can still see their screen.", ""},
	ReasonControlWait:       {"They said no a moment ago. You can ask for control again in {seconds} s.", ""},
	ReasonConnectionLost:    {"The connection was lost.", ""},
	ReasonSharerUnavailable: {"QuickHelp could not start its screen-sharing program. Restart QuickHelp and try again.", ""},
	ReasonSharerNotYours:    {"Another user's program is holding QuickHelp's connection on this computer, so QuickHelp will not use it. Restart the computer and try again.", ""},
	ReasonSSOFailed:         {"Sign-in with your organisation did not finish. Try again, or ask your administrator.", ""},
	ReasonSSONotAllowed:     {"This account cannot use QuickHelp here: it does not belong to your organisation, or its e-mail address is not verified. Ask your administrator.", ""},
	ReasonSSOEmailTaken:     {"A QuickHelp account that signs in with a password already uses your e-mail address. Ask your administrator.", ""},

	ReasonNetworkInterrupted: {"The connection was interrupted, so control was turned off. Reconnecting; ask for control again when the picture is back.", "The connection to your helper was interrupted, so their control was turned off. Reconnecting…"},
	ReasonNetworkBlocked:     {"Their screen cannot be reached: a network on the way probably blocks it. Ask the network administrator (theirs or yours) to allow outgoing connections to the QuickHelp service on TCP port 443.", "Your helper cannot reach your screen: your network probably blocks it. Ask your network administrator to allow outgoing connections to the QuickHelp service on TCP port 443."},

	ReasonSharerRestarting: {"Their computer is restarting. The session goes on when they sign in again and allow sharing.", "Your computer is restarting. After you sign in, QuickHelp asks whether to go on sharing with your helper."},
	ReasonRestartDenied:    {"They chose not to restart their computer.", ""},
	ReasonSecureDesktop:    {"They need to answer a Windows prompt on their screen; you cannot see or use it.", "Answer the Windows prompt on your screen. Your helper cannot see it or use it; sharing goes on by itself afterwards."},
}

// Text is the English text of r; an unknown reason gets a generic text.
func (r Reason) Text() string {
	if t, ok := reasonTexts[r]; ok {
		return t.en
	}
	return "Something went wrong."
}

// SharerText is the English text of r as told to the person sharing the
// screen (the end of their session is told from their side).
func (r Reason) SharerText() string {
	if t, ok := reasonTexts[r]; ok && t.sharer != "" {
		return t.sharer
	}
	return r.Text()
}
