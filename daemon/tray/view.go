package tray

import (
	"github.com/quickhelp/quickhelp/internal/i18n"
	"github.com/quickhelp/quickhelp/wire"
)

// View is what the tray shows for one daemon status. It is a pure
// function of wire.SharerStatus so it can be tested without a desktop.
type View struct {
	InSession     bool   // the daemon is in a session: the icon is wanted
	Tooltip       string // hover text
	Stop          bool   // "Stop sharing" is offered
	PauseLabel    string // "Pause sharing" or "Resume sharing"; empty hides the item
	Paused        bool   // clicking the pause item resumes
	RevokeControl bool   // "Revoke control" is offered
	KeepSharing   bool   // "Keep sharing?" waits for an answer: "Keep sharing" is offered
}

// ViewOf maps the daemon's status to what the tray shows, in language l.
func ViewOf(l i18n.Lang, s wire.SharerStatus) View {
	name := l.T(i18n.TrayHelperUnknown)
	if s.Helper != nil && s.Helper.DisplayName != "" {
		name = s.Helper.DisplayName
	}
	v := viewOfState(l, s, name)
	if v.PauseLabel != "" && s.KeepSharingUntil > 0 {
		v.KeepSharing = true
		v.Tooltip = l.T(i18n.TrayTipKeepSharing)
	}
	return v
}

func viewOfState(l i18n.Lang, s wire.SharerStatus, name string) View {
	switch s.State {
	case wire.SharerJoining:
		return View{InSession: true, Tooltip: l.T(i18n.TrayTipConnecting), Stop: true}
	case wire.SharerAwaitingConsent:
		return View{InSession: true, Tooltip: l.T(i18n.TrayTipAwaiting, name), Stop: true}
	case wire.SharerSharing:
		v := View{InSession: true, Tooltip: l.T(i18n.TrayTipSharing, name), Stop: true, PauseLabel: l.T(i18n.TrayPause)}
		if s.Control == wire.ControlGranted {
			v.Tooltip = l.T(i18n.TrayTipControl, name)
			v.RevokeControl = true
		}
		return v
	case wire.SharerPaused:
		return View{InSession: true, Tooltip: l.T(i18n.TrayTipPaused), Stop: true, PauseLabel: l.T(i18n.TrayResume), Paused: true}
	default: // idle, ended, or a state this build does not know
		return View{Tooltip: l.T(i18n.TrayTipNotSharing)}
	}
}
