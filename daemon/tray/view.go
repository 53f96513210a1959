package tray

import "github.com/quickhelp/quickhelp/wire"

// Menu labels. They are user-facing text, kept together so they are easy
// to review and translate.
const (
	LabelStop          = "Stop sharing"
	LabelPause         = "Pause sharing"
	LabelResume        = "Resume sharing"
	LabelRevokeControl = "Revoke control"
	LabelKeepSharing   = "Keep sharing"
	tipKeepSharing     = "Keep sharing? Sharing stops soon unless you answer"
	titleApp           = "QuickHelp"
	tipNotSharing      = "QuickHelp: not sharing"
	tipConnecting      = "QuickHelp: connecting to your helper"
	tipPaused          = "Paused"
	unknownHelper      = "your helper"
)

// View is what the tray shows for one daemon status. It is a pure
// function of wire.SharerStatus so it can be tested without a desktop.
type View struct {
	InSession     bool   // the daemon is in a session: the icon is wanted
	Tooltip       string // hover text
	Stop          bool   // "Stop sharing" is offered
	PauseLabel    string // LabelPause or LabelResume; empty hides the item
	Paused        bool   // clicking the pause item resumes
	RevokeControl bool   // "Revoke control" is offered
	KeepSharing   bool   // "Keep sharing?" waits for an answer: "Keep sharing" is offered
}

// ViewOf maps the daemon's status to what the tray shows.
func ViewOf(s wire.SharerStatus) View {
	name := unknownHelper
	if s.Helper != nil && s.Helper.DisplayName != "" {
		name = s.Helper.DisplayName
	}
	v := viewOfState(s, name)
	if v.PauseLabel != "" && s.KeepSharingUntil > 0 {
		v.KeepSharing = true
		v.Tooltip = tipKeepSharing
	}
	return v
}

func viewOfState(s wire.SharerStatus, name string) View {
	switch s.State {
	case wire.SharerJoining:
		return View{InSession: true, Tooltip: tipConnecting, Stop: true}
	case wire.SharerAwaitingConsent:
		return View{InSession: true, Tooltip: name + " is waiting for you to allow screen sharing", Stop: true}
	case wire.SharerSharing:
		v := View{InSession: true, Tooltip: "Sharing your screen with " + name, Stop: true, PauseLabel: LabelPause}
		if s.Control == wire.ControlGranted {
			v.Tooltip = name + " controls your mouse and keyboard"
			v.RevokeControl = true
		}
		return v
	case wire.SharerPaused:
		return View{InSession: true, Tooltip: tipPaused, Stop: true, PauseLabel: LabelResume, Paused: true}
	default: // idle, ended, or a state this build does not know
		return View{Tooltip: tipNotSharing}
	}
}
