//go:build linux

package cluster

import (
	"context"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/daemon/sharer"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// clusterDisplay is this package's X display (daemon/x11/xvfb's table).
const clusterDisplay = 170

// loopbackICE keeps both peers' ICE on 127.0.0.1 over UDP, without mDNS.
func loopbackICE(se *webrtc.SettingEngine) {
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
}

// console is the helper's side as the console runs it: the session
// socket and the Go viewer (app/viewer), recording when frames arrive.
type console struct {
	sess *client.Session
	v    *viewer.Viewer

	mu     sync.Mutex
	frames []time.Time
	chats  []string
}

func (c *console) run() {
	for ev := range c.sess.Events() {
		if ev.Kind != client.EventMessage {
			continue
		}
		switch env := ev.Envelope; env.Type {
		case wire.TypeOffer, wire.TypeCandidate:
			c.v.HandleSignal(context.Background(), env)
		case wire.TypeChat:
			c.mu.Lock()
			c.chats = append(c.chats, env.Text)
			c.mu.Unlock()
		}
	}
}

func (c *console) onFrame(wire.Frame) {
	c.mu.Lock()
	c.frames = append(c.frames, time.Now())
	c.mu.Unlock()
}

func (c *console) frameCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.frames)
}

// longestGap is the longest time between two frames since from.
func (c *console) longestGap(from time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var gap time.Duration
	last := from
	for _, t := range c.frames {
		if t.Before(from) {
			continue
		}
		gap = max(gap, t.Sub(last))
		last = t
	}
	return max(gap, time.Since(last))
}

func (c *console) chatCount(text string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.chats {
		if s == text {
			n++
		}
	}
	return n
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// realSession is one full session with the real sharer daemon (capture,
// VP8, WebRTC) joined through the sharer's way in (node 2) and the
// helper's Go viewer on node 1, with video flowing.
type realSession struct {
	f     *fixture
	h     *console
	hsess *client.Session
	d     *sharer.Daemon
	chats sync.Map // the sharer's received chat: text → *int
}

// startRealSession starts Xvfb with a changing screen, the cluster (nodes
// started with args) and the session; everything stops at the test's end.
func startRealSession(t *testing.T, ctx context.Context, args ...string) *realSession {
	t.Helper()
	x, err := xvfb.Start(ctx, clusterDisplay, 640, 480)
	if err != nil {
		t.Fatalf("Xvfb on :%d: %v (make deps installs xvfb)", clusterDisplay, err)
	}
	t.Cleanup(func() { x.Close() })
	painter, err := xvfb.NewPainter(x.Display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { painter.Close() })
	stopPaint := make(chan struct{})
	var painting sync.WaitGroup
	painting.Add(1)
	go func() { // a changing screen: the capture sends a frame per change
		defer painting.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stopPaint:
				return
			case <-tick.C:
			}
			_ = painter.Fill(0, 0, 640, 480, uint32(i*0x050301)&0xffffff)
		}
	}()
	t.Cleanup(func() { close(stopPaint); painting.Wait() })

	rs := &realSession{f: newFixture(t, args...)}
	api, err := client.New(rs.f.lbHelper)
	if err != nil {
		t.Fatal(err)
	}
	login, err := api.Login(ctx, helperEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := api.CreateSession(ctx, login.Token)
	if err != nil {
		t.Fatal(err)
	}
	rs.hsess, err = api.Connect(ctx, cs.SessionID, cs.Token, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.hsess.Close() })
	rs.h = &console{sess: rs.hsess}
	rs.h.v, err = viewer.New(viewer.Config{
		Signal:             func(e wire.Envelope) error { return rs.hsess.Send(ctx, e) },
		OnFrame:            rs.h.onFrame,
		SettingEngine:      loopbackICE,
		ICEServers:         cs.ICEServers,
		ICETransportPolicy: rtc.TransportPolicy(cs.ICETransportPolicy, false),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.h.v.Close() })
	go rs.h.run()

	rs.d, err = sharer.New(sharer.Config{ServerURL: rs.f.lbSharer, Display: x.Display, PeerSettings: loopbackICE})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.d.Close() })
	events, unsubscribe := rs.d.Subscribe()
	t.Cleanup(unsubscribe)
	go func() {
		for ev := range events {
			if ev.Type == wire.EventChat {
				n, _ := rs.chats.LoadOrStore(ev.Text, new(int))
				*(n.(*int))++ // one reader goroutine
			}
		}
	}()
	if err := rs.d.Join(ctx, strings.ToLower(strings.ReplaceAll(cs.Code, "-", " ")), ""); err != nil {
		t.Fatalf("join: %v", err)
	}
	if resp := rs.d.Do(ctx, wire.LocalRequest{Cmd: wire.LocalAllow}); !resp.OK {
		t.Fatalf("allow: %+v", resp)
	}
	eventually(t, "video at the helper", 30*time.Second, func() bool { return rs.h.frameCount() > 10 })
	waitWS(t, rs.f.nodes[0], 1) // the helper on node 1
	waitWS(t, rs.f.nodes[1], 1) // the daemon on node 2
	return rs
}

// TestRealSessionAcrossNodes runs one full session with the real sharer
// daemon (capture, VP8, WebRTC) on node 2 and the helper's Go viewer on
// node 1. Node 2 is killed mid-session: the daemon's socket reconnects
// through the load balancer to node 3, the video never stops (media goes
// peer to peer, not through the service) and chat resumes both ways.
func TestRealSessionAcrossNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rs := startRealSession(t, ctx)
	f, h, hsess, d := rs.f, rs.h, rs.hsess, rs.d

	killed := time.Now()
	f.nodes[1].stop(t, syscall.SIGKILL)
	waitWS(t, f.nodes[2], 1) // the daemon reconnected to node 3
	if err := hsess.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "can you still see me?"}); err != nil {
		t.Fatal(err)
	}
	if resp := d.Do(ctx, wire.LocalRequest{Cmd: wire.LocalChat, Text: "yes, through node 3"}); !resp.OK {
		t.Fatalf("sharer chat: %+v", resp)
	}
	eventually(t, "the sharer's chat at the helper", 15*time.Second, func() bool { return h.chatCount("yes, through node 3") > 0 })
	eventually(t, "the helper's chat at the sharer", 15*time.Second, func() bool {
		_, ok := rs.chats.Load("can you still see me?")
		return ok
	})
	time.Sleep(2 * time.Second) // video keeps coming after the failover too
	if gap := h.longestGap(killed); gap > 2*time.Second {
		t.Errorf("the video stopped for %v after node 2 was killed", gap)
	}
	if n := h.chatCount("yes, through node 3"); n != 1 {
		t.Errorf("the sharer's chat arrived %d times, want once", n)
	}
	t.Logf("frames: %d; longest gap since the kill: %v", h.frameCount(), h.longestGap(killed))
}

// TestRelayedSessionFailover forces every session through TURN (--ice-policy
// relay): the daemon's media runs through node 2's relay. Node 2 is killed:
// the daemon's socket reaches node 3, whose hello carries node 3's relay;
// the daemon applies it and restarts ICE, and the video is back within 5 s.
func TestRelayedSessionFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rs := startRealSession(t, ctx, "--ice-policy", "relay")
	f, h := rs.f, rs.h
	if n := f.nodes[1].metric(t, "quickhelp_turn_allocations"); n < 1 {
		t.Fatalf("node 2 holds %d TURN allocations, want the daemon's relay there", n)
	}
	if n := f.nodes[2].metric(t, "quickhelp_turn_allocations"); n != 0 {
		t.Fatalf("node 3 holds %d TURN allocations before the failover, want 0", n)
	}

	killed := time.Now()
	f.nodes[1].stop(t, syscall.SIGKILL)
	waitWS(t, f.nodes[2], 1) // the daemon reconnected to node 3
	before := h.frameCount()
	eventually(t, "video after the failover", 15*time.Second, func() bool { return h.frameCount() > before+10 })
	time.Sleep(time.Second) // and it keeps coming
	gap := h.longestGap(killed)
	if gap > 5*time.Second {
		t.Errorf("the video stopped for %v after node 2 was killed, want at most 5 s", gap)
	}
	if n := f.nodes[2].metric(t, "quickhelp_turn_allocations"); n < 1 {
		t.Errorf("node 3 holds %d TURN allocations after the failover, want the daemon's new relay", n)
	}
	t.Logf("longest video gap since the kill: %v", gap)
}
