package tray

import (
	"testing"

	"github.com/quickhelp/quickhelp/internal/i18n"

	"github.com/quickhelp/quickhelp/wire"
)

func TestViewOf(t *testing.T) {
	alex := &wire.HelperInfo{DisplayName: "Alex P.", Organization: "Contoso"}
	tests := []struct {
		name string
		in   wire.SharerStatus
		want View
	}{
		{"idle", wire.SharerStatus{State: wire.SharerIdle, Control: wire.ControlNone},
			View{Tooltip: "QuickHelp: not sharing"}},
		{"joining", wire.SharerStatus{State: wire.SharerJoining},
			View{InSession: true, Tooltip: "QuickHelp: connecting to your helper", Stop: true}},
		{"awaiting consent", wire.SharerStatus{State: wire.SharerAwaitingConsent, Helper: alex},
			View{InSession: true, Tooltip: "Alex P. is waiting for you to allow screen sharing", Stop: true}},
		{"sharing", wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlNone, Helper: alex},
			View{InSession: true, Tooltip: "Sharing your screen with Alex P.", Stop: true, PauseLabel: "Pause sharing"}},
		{"control requested", wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlRequested, Helper: alex},
			View{InSession: true, Tooltip: "Sharing your screen with Alex P.", Stop: true, PauseLabel: "Pause sharing"}},
		{"control granted", wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlGranted, Helper: alex},
			View{InSession: true, Tooltip: "Alex P. controls your mouse and keyboard", Stop: true,
				PauseLabel: "Pause sharing", RevokeControl: true}},
		{"paused", wire.SharerStatus{State: wire.SharerPaused, Control: wire.ControlNone, Helper: alex},
			View{InSession: true, Tooltip: "Paused", Stop: true, PauseLabel: "Resume sharing", Paused: true}},
		{"sharing without helper info", wire.SharerStatus{State: wire.SharerSharing},
			View{InSession: true, Tooltip: "Sharing your screen with your helper", Stop: true, PauseLabel: "Pause sharing"}},
		{"keep sharing asked", wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlGranted, Helper: alex, KeepSharingUntil: 1},
			View{InSession: true, Tooltip: "Keep sharing? Sharing stops soon unless you answer", Stop: true,
				PauseLabel: "Pause sharing", RevokeControl: true, KeepSharing: true}},
		{"keep sharing asked while paused", wire.SharerStatus{State: wire.SharerPaused, Helper: alex, KeepSharingUntil: 1},
			View{InSession: true, Tooltip: "Keep sharing? Sharing stops soon unless you answer", Stop: true,
				PauseLabel: "Resume sharing", Paused: true, KeepSharing: true}},
		{"ended", wire.SharerStatus{State: wire.SharerEnded, Helper: alex, Reason: "helper-left"},
			View{Tooltip: "QuickHelp: not sharing"}},
		{"unknown state", wire.SharerStatus{State: "from-the-future"},
			View{Tooltip: "QuickHelp: not sharing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ViewOf(i18n.English, tt.in); got != tt.want {
				t.Errorf("ViewOf(%+v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestViewOfJapanese(t *testing.T) {
	alex := &wire.HelperInfo{DisplayName: "Alex P."}
	got := ViewOf(i18n.Japanese, wire.SharerStatus{State: wire.SharerSharing, Control: wire.ControlGranted, Helper: alex})
	want := View{InSession: true, Tooltip: "Alex P. がマウスとキーボードを操作しています", Stop: true, PauseLabel: "共有を一時停止", RevokeControl: true}
	if got != want {
		t.Errorf("ViewOf(ja, control granted) = %+v, want %+v", got, want)
	}
}
