package turn

import (
	"net"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"
)

// TestTLSListener hands the relay a listener whose connections arrive with
// TLS already terminated (as package edge delivers them): a client
// allocates through it, the turns: URL comes last with the configured host
// and port, and Close ends the listener.
func TestTLSListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, func(c *Config) {
		c.TLSListener, c.TLSHost, c.TLSPort = ln, "help.example.com", 443
		c.PublicIP = "203.0.113.7"
	})
	ice := s.ICEServers("sess-tls")
	if len(ice) != 4 {
		t.Fatalf("ICEServers = %+v, want 4 entries", ice)
	}
	if got, want := ice[3].URLs[0], "turns:help.example.com:443?transport=tcp"; got != want {
		t.Errorf("last ICE server = %q, want %q", got, want)
	}
	if ice[3].Username == "" || ice[3].Credential != Password(testSecret, ice[3].Username) {
		t.Errorf("turns entry credentials = %+v", ice[3])
	}

	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn := pionturn.NewSTUNConn(c)
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: ln.Addr().String(), TURNServerAddr: ln.Addr().String(), Conn: conn,
		Username: ice[3].Username, Password: ice[3].Credential, Realm: DefaultRealm, RTO: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := allocate(t, cl)
	if err != nil {
		t.Fatalf("Allocate over the TLS listener: %v", err)
	}
	defer relay.Close()
	if got := s.Allocations(); got != 1 {
		t.Errorf("Allocations() = %d, want 1", got)
	}
	_ = s.Close()
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Errorf("the TLS listener still accepts after Close")
	}
}

func TestTLSListenerNeedsPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = New(Config{ListenUDP: "off", ListenTCP: "off", Secret: testSecret, TLSListener: ln, PublicIP: "203.0.113.7"})
	if err == nil {
		t.Fatal("New without TLSPort succeeded")
	}
}

// TestSTUNBindingWithoutCredentials: the relay answers plain STUN binding
// requests on UDP (no credentials), so peers learn their public address.
func TestSTUNBindingWithoutCredentials(t *testing.T) {
	s := startServer(t, nil)
	ice := s.ICEServers("sess-stun")
	if len(ice) == 0 || ice[0].Username != "" || ice[0].URLs[0] != "stun:127.0.0.1:"+itoa(s.UDPAddr().Port) {
		t.Fatalf("first ICE server = %+v, want stun: without credentials", ice)
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: s.UDPAddr().String(), Conn: conn, RTO: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	mapped, err := cl.SendBindingRequest()
	if err != nil {
		t.Fatalf("STUN binding request: %v", err)
	}
	if mapped.String() != conn.LocalAddr().String() {
		t.Errorf("mapped address %v, want %v", mapped, conn.LocalAddr())
	}
}
