//go:build linux

package delayline

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// pair makes two fresh namespaces joined by a cable with the given delay
// and queue, addressed 192.0.2.1 (a) and 192.0.2.2 (b).
func pair(t *testing.T, delay time.Duration, queue int) (a, b string, c *Cable) {
	t.Helper()
	if out, _ := exec.Command("id", "-u").Output(); strings.TrimSpace(string(out)) != "0" {
		t.Skip("the delay line needs root (network namespaces, TAP devices)")
	}
	id := make([]byte, 3)
	_, _ = rand.Read(id)
	a, b = "qhdl"+hex.EncodeToString(id)+"-a", "qhdl"+hex.EncodeToString(id)+"-b"
	for _, ns := range []string{a, b} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	}
	c, err := New(Config{A: End{NS: a, Name: "dl0"}, B: End{NS: b, Name: "dl0"}, Delay: delay, QueueLen: queue})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	for i, ns := range []string{a, b} {
		run(t, "ip", "netns", "exec", ns, "ip", "addr", "add", "192.0.2."+string(rune('1'+i))+"/30", "dev", "dl0")
		run(t, "ip", "netns", "exec", ns, "ip", "link", "set", "dl0", "up")
	}
	return a, b, c
}

// echo starts a UDP echo server on 192.0.2.2:7 in ns and returns a client
// socket in the other namespace.
func echo(t *testing.T, a, b string) (client *net.UDPConn, server *net.UDPAddr) {
	t.Helper()
	server = &net.UDPAddr{IP: net.IPv4(192, 0, 2, 2), Port: 7}
	var srv *net.UDPConn
	if err := InNamespace(b, func() (err error) { srv, err = net.ListenUDP("udp4", server); return err }); err != nil {
		t.Fatalf("echo server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := srv.ReadFromUDP(buf)
			if err != nil {
				return
			}
			_, _ = srv.WriteToUDP(buf[:n], from)
		}
	}()
	if err := InNamespace(a, func() (err error) { client, err = net.ListenUDP("udp4", nil); return err }); err != nil {
		t.Fatalf("echo client: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client, server
}

// TestDelay sends UDP echoes through a 75 ms cable: each round trip takes
// 150 ms plus a little, never less.
func TestDelay(t *testing.T) {
	const delay = 75 * time.Millisecond
	a, b, c := pair(t, delay, 0)
	client, server := echo(t, a, b)
	var rtts []time.Duration
	buf := make([]byte, 2048)
	for i := range 12 {
		msg := binary.BigEndian.AppendUint32(nil, uint32(i))
		start := time.Now()
		if _, err := client.WriteToUDP(msg, server); err != nil {
			t.Fatal(err)
		}
		_ = client.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := client.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
		if n != 4 || binary.BigEndian.Uint32(buf) != uint32(i) {
			t.Fatalf("echo %d: got %x", i, buf[:n])
		}
		if i > 0 { // the first one also waits for ARP through the cable
			rtts = append(rtts, time.Since(start))
		}
	}
	slices.Sort(rtts)
	t.Logf("round trips through a %v cable: min %v median %v max %v", delay, rtts[0], rtts[len(rtts)/2], rtts[len(rtts)-1])
	if rtts[0] < 2*delay {
		t.Errorf("fastest round trip %v, want at least %v", rtts[0], 2*delay)
	}
	if med := rtts[len(rtts)/2]; med > 2*delay+25*time.Millisecond {
		t.Errorf("median round trip %v, want within 25 ms of %v", med, 2*delay)
	}
	if c.Passed() == 0 {
		t.Error("no frame counted as passed")
	}
}

// TestBoundedQueue floods a cable whose FIFO holds 8 frames: the excess is
// dropped (and counted), and the cable still works afterwards.
func TestBoundedQueue(t *testing.T) {
	a, b, c := pair(t, 100*time.Millisecond, 8)
	client, server := echo(t, a, b)
	// Resolve the neighbour first, so the flood is all UDP.
	if _, err := client.WriteToUDP([]byte("hi"), server); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	_ = client.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, _, err := client.ReadFromUDP(buf); err != nil {
		t.Fatalf("first echo: %v", err)
	}
	for range 200 {
		_, _ = client.WriteToUDP(make([]byte, 1000), server)
	}
	got := 0
	for {
		_ = client.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if _, _, err := client.ReadFromUDP(buf); err != nil {
			break
		}
		got++
	}
	t.Logf("200 sent at once: %d echoed, %d frames dropped by the cable", got, c.Dropped())
	if c.Dropped() == 0 || got > 16 {
		t.Errorf("echoed %d of 200 with %d dropped, want the 8-frame queue to drop most", got, c.Dropped())
	}
	if got == 0 {
		t.Error("nothing came through the flood")
	}
}
