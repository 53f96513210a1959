package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeBridgeSharerRequests(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"get-help", `{"type":"get-help","code":"ABCD-EFGH"}`, true},
		{"get-help without code", `{"type":"get-help"}`, false},
		{"get-help code too long", `{"type":"get-help","code":"` + strings.Repeat("A", MaxHelpCodeLen+1) + `"}`, false},
		{"report without comment", `{"type":"sharer-report"}`, true},
		{"report comment too long", `{"type":"sharer-report","comment":"` + strings.Repeat("é", MaxReportCommentRunes+1) + `"}`, false},
		{"chat", `{"type":"sharer-chat","text":"hi"}`, true},
		{"empty chat", `{"type":"sharer-chat","text":""}`, false},
		{"stop", `{"type":"sharer-stop"}`, true},
		{"keep sharing", `{"type":"sharer-keep-sharing"}`, true},
		{"unknown sharer command", `{"type":"sharer-format"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBridgeRequest([]byte(tt.in))
			if tt.ok && err != nil {
				t.Errorf("DecodeBridgeRequest(%.60q) error = %v, want nil", tt.in, err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidBridgeMessage) {
				t.Errorf("DecodeBridgeRequest(%.60q) error = %v, want ErrInvalidBridgeMessage", tt.in, err)
			}
		})
	}
}

func TestDecodeBridgeSharerEventRejects(t *testing.T) {
	for _, in := range []string{`{"type":"sharer"}`, `{"type":"sharer","sharer":{"control":"none"}}`, `{"type":"sharer-chat"}`} {
		if _, err := DecodeBridgeEvent([]byte(in)); !errors.Is(err, ErrInvalidBridgeMessage) {
			t.Errorf("DecodeBridgeEvent(%q) error = %v, want ErrInvalidBridgeMessage", in, err)
		}
	}
}
