package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// TestFullFlow drives one session end to end over real HTTP and WebSockets
// and checks the record that remains.
func TestFullFlow(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	if p.join.Helper != (wire.HelperInfo{DisplayName: "Alex P.", Organization: "Contoso"}) {
		t.Errorf("join helper = %+v", p.join.Helper)
	}
	if len(p.create.Code) != 9 || p.create.Code[4] != '-' {
		t.Errorf("code = %q, want ABCD-EFGH form", p.create.Code)
	}

	const chatH, chatS = "hello from the helper", "hello from the sharer"
	p.helper.send(wire.Envelope{Type: wire.TypeChat, Text: chatH})
	if m := p.sharer.expect(wire.TypeChat); m.Text != chatH || m.From != wire.RoleHelper || m.TS == 0 {
		t.Errorf("sharer got %+v, want helper's chat with from and ts", m)
	}
	p.sharer.send(wire.Envelope{Type: wire.TypeChat, Text: chatS, From: wire.RoleHelper}) // From is overwritten
	if m := p.helper.expect(wire.TypeChat); m.Text != chatS || m.From != wire.RoleSharer {
		t.Errorf("helper got %+v, want sharer's chat from sharer", m)
	}

	p.sharer.send(wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted})
	p.helper.expect(wire.TypeConsent)
	commit := strings.Repeat("0123456789abcdef", 4) // the security code commitment travels with the offer
	p.sharer.send(wire.Envelope{Type: wire.TypeOffer, SDP: "v=0 offer", SASCommit: commit})
	if m := p.helper.expect(wire.TypeOffer); m.SDP != "v=0 offer" || m.SASCommit != commit {
		t.Errorf("offer relayed as %+v", m)
	}
	p.helper.send(wire.Envelope{Type: wire.TypeAnswer, SDP: "v=0 answer"})
	if m := p.sharer.expect(wire.TypeAnswer); m.SDP != "v=0 answer" {
		t.Errorf("answer relayed as %+v", m)
	}
	mid := "0"
	p.helper.send(wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", SDPMid: &mid}})
	if m := p.sharer.expect(wire.TypeCandidate); m.Candidate == nil || !strings.Contains(m.Candidate.Candidate, "typ host") || *m.Candidate.SDPMid != "0" {
		t.Errorf("candidate relayed as %+v", m)
	}
	p.sharer.send(wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: "candidate:2"}})
	p.helper.expect(wire.TypeCandidate)
	p.helper.send(wire.Envelope{Type: wire.TypeFeature, Feature: wire.FeatureAnnotation})
	// A Windows prompt's hold is relayed with its reason, and is not the
	// sharer using pause (no "pause" feature in the record).
	p.sharer.send(wire.Envelope{Type: wire.TypePause, Reason: wire.ReasonSecureDesktop})
	if m := p.helper.expect(wire.TypePause); m.Reason != wire.ReasonSecureDesktop {
		t.Errorf("pause relayed as %+v", m)
	}

	p.helper.send(wire.Envelope{Type: wire.TypeEnd, Reason: "whatever"})
	for name, c := range map[string]*wsClient{"helper": p.helper, "sharer": p.sharer} {
		if m := c.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonHelperEnded {
			t.Errorf("%s: session-ended reason = %q, want %q", name, m.Reason, wire.ReasonHelperEnded)
		}
		if code := c.expectClosed(); code != websocket.StatusNormalClosure {
			t.Errorf("%s: close status = %v, want normal closure", name, code)
		}
	}

	// The record: times, reason and features, nothing else.
	var recs []wire.SessionRecord
	if st, werr := env.Do(t, http.MethodGet, wire.PathAdminSessions, env.AdminToken(t), nil, &recs); st != http.StatusOK {
		t.Fatalf("admin sessions: %d %+v", st, werr)
	}
	if len(recs) != 1 {
		t.Fatalf("admin sessions = %+v, want 1 record", recs)
	}
	r := recs[0]
	if r.ID != p.create.SessionID || r.StartedAt == nil || r.EndedAt == nil || r.EndReason != wire.ReasonHelperEnded {
		t.Errorf("record = %+v", r)
	}
	want := []string{wire.FeatureAnnotation, wire.FeatureChat, wire.FeatureViewOnly}
	if strings.Join(r.Features, ",") != strings.Join(want, ",") {
		t.Errorf("record features = %v, want %v", r.Features, want)
	}
	raw, _ := json.Marshal(recs)
	for _, secret := range []string{chatH, chatS, "v=0 offer", p.create.Code} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("record contains %q", secret)
		}
	}
	// The tokens died with the session.
	if _, resp, err := dialWS(t, env, p.create.SessionID, p.create.Token, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("dial after end: err %v, want 401", err)
	}
}

func TestDirectionRules(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	tests := []struct {
		name string
		from *wsClient
		env  wire.Envelope
	}{
		{"helper offer", p.helper, wire.Envelope{Type: wire.TypeOffer, SDP: "x"}},
		{"helper consent", p.helper, wire.Envelope{Type: wire.TypeConsent, State: wire.StateGranted}},
		{"helper grants control", p.helper, wire.Envelope{Type: wire.TypeControl, State: wire.StateGranted}},
		{"helper pause", p.helper, wire.Envelope{Type: wire.TypePause}},
		{"sharer answer", p.sharer, wire.Envelope{Type: wire.TypeAnswer, SDP: "x"}},
		{"sharer control-request", p.sharer, wire.Envelope{Type: wire.TypeControlRequest}},
		{"sharer switch-monitor", p.sharer, wire.Envelope{Type: wire.TypeSwitchMonitor, Monitor: 1}},
		{"sharer ice-restart", p.sharer, wire.Envelope{Type: wire.TypeICERestart}},
		{"sharer releases control", p.sharer, wire.Envelope{Type: wire.TypeControl, State: wire.StateReleased}},
		{"server-only hello", p.sharer, wire.Envelope{Type: wire.TypeHello}},
		{"server-only session-ended", p.helper, wire.Envelope{Type: wire.TypeSessionEnded}},
		{"unknown feature", p.helper, wire.Envelope{Type: wire.TypeFeature, Feature: "mining"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.from.send(tt.env)
			if m := tt.from.expect(wire.TypeError); m.Reason != "not-allowed" {
				t.Errorf("error reason = %q, want not-allowed", m.Reason)
			}
		})
	}
	// Invalid envelopes are answered, not relayed.
	p.helper.sendRaw([]byte(`{"type":"chat"}`))
	if m := p.helper.expect(wire.TypeError); m.Reason != "invalid-message" {
		t.Errorf("invalid envelope: reason %q", m.Reason)
	}
	// Allowed directions still pass: control granted by the sharer,
	// released by the helper, and the peer got nothing refused before.
	p.sharer.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateGranted})
	if m := p.helper.expect(wire.TypeControl); m.State != wire.StateGranted {
		t.Errorf("helper got %+v", m)
	}
	p.helper.send(wire.Envelope{Type: wire.TypeControl, State: wire.StateReleased})
	if m := p.sharer.expect(wire.TypeControl); m.State != wire.StateReleased {
		t.Errorf("sharer got %+v", m)
	}
	p.sharer.send(wire.Envelope{Type: wire.TypeMonitors, Monitors: []wire.Monitor{{Index: 0, Width: 800, Height: 600}}})
	p.helper.expect(wire.TypeMonitors)
	p.helper.send(wire.Envelope{Type: wire.TypeSwitchMonitor, Monitor: 0})
	p.sharer.expect(wire.TypeSwitchMonitor)
	p.helper.send(wire.Envelope{Type: wire.TypeICERestart})
	p.sharer.expect(wire.TypeICERestart)
	p.sharer.send(wire.Envelope{Type: wire.TypePause})
	p.helper.expect(wire.TypePause)
	p.sharer.send(wire.Envelope{Type: wire.TypeEnd, Reason: wire.ReasonSharerDenied})
	if m := p.helper.expect(wire.TypeSessionEnded); m.Reason != wire.ReasonSharerDenied {
		t.Errorf("reason = %q, want sharer-denied", m.Reason)
	}
	recs, err := env.Store.SessionRecords(t.Context(), env.Org.ID, 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("records = %v, %v", recs, err)
	}
	if got := strings.Join(recs[0].Features, ","); got != "control,pause" {
		t.Errorf("features = %q, want control,pause", got)
	}
	if got := recs[0].ErrorCodes; !slices.Equal(got, []wire.Reason{wire.ReasonInvalidMessage, wire.ReasonNotAllowed}) {
		t.Errorf("error codes = %q, want invalid-message, not-allowed", got)
	}
}

// A live session's usage reaches its record in the background, off the
// WebSocket read path, well before the session ends.
func TestLiveUsageWrittenInBackground(t *testing.T) {
	env := servertest.Start(t)
	p := connectPair(t, env)
	p.helper.send(wire.Envelope{Type: wire.TypeChat, Text: "hello"})
	p.sharer.expect(wire.TypeChat)
	deadline := time.Now().Add(10 * time.Second)
	for {
		recs, err := env.Store.SessionRecords(t.Context(), env.Org.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 1 && recs[0].EndedAt == nil && strings.Contains(strings.Join(recs[0].Features, ","), wire.FeatureChat) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("live record = %+v, want the chat feature while the session runs", recs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
