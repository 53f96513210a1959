package server_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// TestLogCanary runs a session whose chat, SDP, candidate and report carry
// unique strings, then checks that none of them, nor the code or tokens,
// appear in the Debug-level logs or in the database and WAL file bytes.
func TestLogCanary(t *testing.T) {
	env := servertest.Start(t)
	const (
		chat      = "CANARY-CHAT-7f3a9c"
		sdp       = "v=0 CANARY-SDP-41be07"
		candidate = "candidate:CANARY-CAND-99d1e2"
		password  = servertest.HelperPassword
	)
	p := connectPair(t, env)
	p.helper.send(wire.Envelope{Type: wire.TypeChat, Text: chat})
	p.sharer.expect(wire.TypeChat)
	p.sharer.send(wire.Envelope{Type: wire.TypeOffer, SDP: sdp})
	p.helper.expect(wire.TypeOffer)
	p.helper.send(wire.Envelope{Type: wire.TypeAnswer, SDP: sdp})
	p.sharer.expect(wire.TypeAnswer)
	p.sharer.send(wire.Envelope{Type: wire.TypeCandidate, Candidate: &wire.ICECandidate{Candidate: candidate}})
	p.helper.expect(wire.TypeCandidate)
	// A refused message with secret content must not be logged either.
	p.helper.send(wire.Envelope{Type: wire.TypeOffer, SDP: sdp})
	p.helper.expect(wire.TypeError)
	p.helper.send(wire.Envelope{Type: wire.TypeEnd})
	p.helper.expect(wire.TypeSessionEnded)
	// A wrong code attempt and a failed login leave no trace of what was typed.
	env.Do(t, http.MethodPost, wire.PathJoin, "", wire.JoinRequest{Code: "CANA-RY00"}, nil)
	env.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Email: env.HelperEmail, Password: "CANARY-PASSWORD"}, nil)

	canonical := strings.ReplaceAll(p.create.Code, "-", "")
	secrets := []string{chat, "CANARY-SDP", "CANARY-CAND", "CANARY-PASSWORD", "CANARY00", "CANA-RY00", p.create.Code, canonical,
		p.create.Token, p.join.Token, password, "127.0.0.1"}

	logs := env.Logs.String()
	if !strings.Contains(logs, p.create.SessionID) {
		t.Fatalf("logs do not mention the session at all; the canary would prove nothing:\n%s", logs)
	}
	env.Close() // closes the database so the files are complete
	files := map[string]string{"logs": logs}
	for _, f := range []string{env.DBPath, env.DBPath + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files[f] = string(b)
	}
	if len(files[env.DBPath]) == 0 {
		t.Fatal("database file is empty")
	}
	for name, content := range files {
		for _, s := range secrets {
			if strings.Contains(content, s) {
				t.Errorf("%s contains %q", name, s)
			}
		}
	}
}
