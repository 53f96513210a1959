package edge_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/edge"
)

// TestACMEValidation answers a TLS-ALPN-01 validation handshake with the
// challenge certificate and closes it without routing, while clients that
// also offer acme-tls/1 next to http/1.1 still get the site certificate
// and HTTP. Without Config.ACME the protocol is refused.
func TestACMEValidation(t *testing.T) {
	var token tls.Certificate
	f := start(t, true, func(c *edge.Config) {
		site := c.TLS.Certificates[0]
		c.ACME = true
		c.TLS = &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if slices.Equal(h.SupportedProtos, []string{edge.ALPNACME}) {
				return &token, nil
			}
			return &site, nil
		}}
	})
	token = f.ca.Issue(t, "help.test").TLS

	cfg := f.ca.ClientConfig()
	cfg.ServerName, cfg.NextProtos = "help.test", []string{edge.ALPNACME}
	c, err := tls.Dial("tcp", f.addr, cfg)
	if err != nil {
		t.Fatalf("validation handshake: %v", err)
	}
	defer c.Close()
	st := c.ConnectionState()
	if st.NegotiatedProtocol != edge.ALPNACME {
		t.Errorf("ALPN %q, want %q", st.NegotiatedProtocol, edge.ALPNACME)
	}
	if !bytes.Equal(st.PeerCertificates[0].Raw, token.Certificate[0]) {
		t.Error("validation handshake did not present the challenge certificate")
	}
	// An HTTP request after the validation handshake gets no answer: the
	// connection is closed, not routed.
	_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: help.test\r\n\r\n"))
	expectClosed(t, "after validation", c, 5*time.Second)
	waitFor(t, "validation counted", func() bool { return f.el.ACMEValidations() == 1 })

	cfg = f.ca.ClientConfig()
	cfg.ServerName, cfg.NextProtos = "help.test", []string{edge.ALPNHTTP, edge.ALPNACME}
	c2, err := tls.Dial("tcp", f.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if p := c2.ConnectionState().NegotiatedProtocol; p != edge.ALPNHTTP {
		t.Errorf("client offering http/1.1 and acme-tls/1 got %q", p)
	}
	if bytes.Equal(c2.ConnectionState().PeerCertificates[0].Raw, token.Certificate[0]) {
		t.Error("ordinary client got the challenge certificate")
	}
	_, _ = c2.Write([]byte("GET / HTTP/1.1\r\nHost: help.test\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil {
		t.Fatalf("HTTP next to ACME: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTP status %d", resp.StatusCode)
	}

	off := start(t, true, nil)
	cfg = off.ca.ClientConfig()
	cfg.ServerName, cfg.NextProtos = "help.test", []string{edge.ALPNACME}
	if c, err := tls.Dial("tcp", off.addr, cfg); err == nil {
		c.Close()
		t.Error("acme-tls/1 accepted without Config.ACME")
	}
}
