//go:build linux

package cluster

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// TestClusterPolicy: credentials and ends hold on every node. TURN
// credentials issued by node 1 work on node 3's relay and die on every
// relay once the session ends; suspending the helper through node 1 ends
// the session whose participants are on nodes 2 and 3; the join limit of
// a client counts its failures on every node.
func TestClusterPolicy(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n1 := "http://" + f.nodes[0].addr
	hc, err := client.New(n1)
	if err != nil {
		t.Fatal(err)
	}
	login, err := hc.Login(ctx, helperEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := hc.CreateSession(ctx, login.Token)
	if err != nil {
		t.Fatal(err)
	}
	user, pass := turnCreds(t, cs.ICEServers)
	if !strings.Contains(strings.Join(cs.ICEServers[1].URLs, " "), f.nodes[0].turnAddr) {
		t.Errorf("iceServers from node 1 = %+v, want node 1's relay %s", cs.ICEServers, f.nodes[0].turnAddr)
	}
	if err := allocate(t, f.nodes[2].turnAddr, user, pass); err != nil {
		t.Fatalf("node 3's relay refused credentials issued by node 1: %v", err)
	}

	// The helper on node 2, the sharer on node 3, the admin on node 1.
	helper := connect(t, "http://"+f.nodes[1].addr, "helper", cs.SessionID, cs.Token)
	sc, _ := client.New("http://" + f.nodes[2].addr)
	j, err := sc.Join(ctx, cs.Code)
	if err != nil {
		t.Fatal(err)
	}
	sharer := connect(t, "http://"+f.nodes[2].addr, "sharer", j.SessionID, j.Token)
	sharer.expect(t, wire.TypeHello, func(e wire.Envelope) bool { return e.Peer })
	helper.expect(t, wire.TypePeerJoined, nil)
	chat(t, helper, sharer, "across nodes 2 and 3")
	ac, _ := client.New(n1)
	admin, err := ac.Login(ctx, adminEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.SetUserDisabled(ctx, admin.Token, login.User.ID, true); err != nil {
		t.Fatalf("suspend the helper on node 1: %v", err)
	}
	for _, p := range []*participant{helper, sharer} {
		p.expect(t, wire.TypeSessionEnded, func(e wire.Envelope) bool { return e.Reason == wire.ReasonPolicy })
	}
	// Every relay refuses them once the end is written (a relay reuses a
	// "live" answer for up to 2 s).
	for i, n := range f.nodes {
		deadline := time.Now().Add(5 * time.Second)
		for allocate(t, n.turnAddr, user, pass) == nil {
			if time.Now().After(deadline) {
				t.Errorf("node %d's relay still accepts the credentials of an ended session", i+1)
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
	}

	// Five failed joins on node 1, the sixth on node 2: refused.
	for i := range 5 {
		if st := postJoin(t, n1, "ABCD-EFGH"); st != http.StatusNotFound {
			t.Fatalf("failed join %d on node 1 = %d, want 404", i+1, st)
		}
	}
	if st := postJoin(t, "http://"+f.nodes[1].addr, "ABCD-EFGH"); st != http.StatusTooManyRequests {
		t.Errorf("6th failed join, on node 2 = %d, want 429", st)
	}
}

func postJoin(t *testing.T, base, code string) int {
	t.Helper()
	resp, err := http.Post(base+wire.PathJoin, "application/json", bytes.NewReader([]byte(`{"code":"`+code+`"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func turnCreds(t *testing.T, ice []wire.ICEServer) (string, string) {
	t.Helper()
	for _, s := range ice {
		if s.Username != "" && len(s.URLs) > 0 && strings.HasPrefix(s.URLs[0], "turn:") {
			return s.Username, s.Credential
		}
	}
	t.Fatalf("no TURN credentials in %+v", ice)
	return "", ""
}

// allocate asks the relay at addr (UDP) for an allocation.
func allocate(t *testing.T, addr, user, pass string) error {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: user, Password: pass, Realm: "quickhelp", RTO: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := cl.Allocate()
	if err != nil {
		return err
	}
	relay.Close()
	return nil
}
