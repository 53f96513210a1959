package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/app/viewer"
	"github.com/quickhelp/quickhelp/daemon/encode"
	"github.com/quickhelp/quickhelp/daemon/peer"
	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// pairICE keeps ICE on 127.0.0.1 with short timeouts so a closed side is
// noticed within seconds.
func pairICE(se *webrtc.SettingEngine) {
	loopbackICE(se)
	se.SetICETimeouts(4*time.Second, 12*time.Second, 300*time.Millisecond)
}

type dataMsg struct {
	channel string
	b       []byte
}

// pair is a sharer peer and a helper viewer connected in-process. The two
// Signal callbacks go through JSON encoding and channels to the other
// side's HandleSignal, as they would through the service.
type pair struct {
	t        testing.TB
	p        *peer.Conn
	v        *viewer.Viewer
	frames   chan wire.Frame
	data     chan dataMsg
	cursors  chan wire.Cursor
	keyReqs  chan struct{}
	maxFPS   chan int
	rates    chan int
	pStates  chan rtc.State
	vStates  chan rtc.State
	restarts atomic.Int32 // restart offers seen by the viewer

	toViewer, toPeer chan wire.Envelope
	stop             chan struct{}
	wg               sync.WaitGroup
}

type pairOptions struct {
	peerSE, viewerSE func(*webrtc.SettingEngine)
	iceServers       []wire.ICEServer
	policy           webrtc.ICETransportPolicy
}

// relay encodes and decodes env like the signalling WebSocket does.
func relay(t testing.TB, ch chan wire.Envelope, stop chan struct{}) func(wire.Envelope) error {
	return func(env wire.Envelope) error {
		b, err := env.Encode()
		if err != nil {
			return err
		}
		got, err := wire.DecodeEnvelope(b)
		if err != nil {
			t.Errorf("DecodeEnvelope(own %s) = %v", env.Type, err)
			return err
		}
		select {
		case ch <- got:
			return nil
		case <-stop:
			return errors.New("pair stopped")
		}
	}
}

func newPair(t testing.TB, o pairOptions) *pair {
	t.Helper()
	if o.peerSE == nil {
		o.peerSE = pairICE
	}
	if o.viewerSE == nil {
		o.viewerSE = pairICE
	}
	pr := &pair{
		t:        t,
		frames:   make(chan wire.Frame, 1024),
		data:     make(chan dataMsg, 64),
		cursors:  make(chan wire.Cursor, 64),
		keyReqs:  make(chan struct{}, 64),
		maxFPS:   make(chan int, 64),
		rates:    make(chan int, 64),
		pStates:  make(chan rtc.State, 64),
		vStates:  make(chan rtc.State, 64),
		toViewer: make(chan wire.Envelope, 256),
		toPeer:   make(chan wire.Envelope, 256),
		stop:     make(chan struct{}),
	}
	var err error
	pr.p, err = peer.New(peer.Config{
		ICEServers:         o.iceServers,
		ICETransportPolicy: o.policy,
		Signal:             relay(t, pr.toViewer, pr.stop),
		OnKeyframeRequest:  func() { trySend(pr.keyReqs, struct{}{}) },
		OnBitrate:          func(kbps int) { trySend(pr.rates, kbps) },
		OnMaxFPS:           func(fps int) { trySend(pr.maxFPS, fps) },
		OnData:             func(ch string, b []byte) { trySend(pr.data, dataMsg{ch, b}) },
		OnState:            func(s rtc.State) { trySend(pr.pStates, s) },
		SettingEngine:      o.peerSE,
	})
	if err != nil {
		t.Fatalf("peer.New() = %v", err)
	}
	pr.v, err = viewer.New(viewer.Config{
		ICEServers:         o.iceServers,
		ICETransportPolicy: o.policy,
		Signal:             relay(t, pr.toPeer, pr.stop),
		OnFrame:            func(f wire.Frame) { trySend(pr.frames, f) },
		OnCursor:           func(c wire.Cursor) { trySend(pr.cursors, c) },
		OnState:            func(s rtc.State) { trySend(pr.vStates, s) },
		SettingEngine:      o.viewerSE,
	})
	if err != nil {
		_ = pr.p.Close()
		t.Fatalf("viewer.New() = %v", err)
	}
	pr.wg.Add(2)
	go pr.pump(pr.toViewer, func(e wire.Envelope) error {
		if e.Type == wire.TypeOffer && e.Restart {
			pr.restarts.Add(1)
		}
		return pr.v.HandleSignal(context.Background(), e)
	})
	go pr.pump(pr.toPeer, func(e wire.Envelope) error { return pr.p.HandleSignal(context.Background(), e) })
	t.Cleanup(pr.close)
	return pr
}

func (pr *pair) pump(ch chan wire.Envelope, handle func(wire.Envelope) error) {
	defer pr.wg.Done()
	for {
		select {
		case <-pr.stop:
			return
		case e := <-ch:
			if err := handle(e); err != nil && !errors.Is(err, rtc.ErrClosed) {
				pr.t.Errorf("HandleSignal(%s) = %v", e.Type, err)
			}
		}
	}
}

func (pr *pair) close() {
	_ = pr.v.Close()
	_ = pr.p.Close()
	select {
	case <-pr.stop:
	default:
		close(pr.stop)
	}
	pr.wg.Wait()
}

func trySend[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// connect starts the offer and waits until both sides are connected and
// the viewer can send on the sharer's channels.
func (pr *pair) connect(ctx context.Context) {
	pr.t.Helper()
	if err := pr.p.Start(ctx); err != nil {
		pr.t.Fatalf("Start() = %v", err)
	}
	waitState(ctx, pr.t, "peer", pr.pStates, rtc.StateConnected)
	waitState(ctx, pr.t, "viewer", pr.vStates, rtc.StateConnected)
	for {
		err := pr.v.SendInput(wire.InputEvent{T: wire.InputReleaseAll})
		if err == nil {
			break
		}
		if !errors.Is(err, rtc.ErrChannelNotOpen) {
			pr.t.Fatalf("SendInput(release-all) = %v", err)
		}
		select {
		case <-ctx.Done():
			pr.t.Fatalf("data channels did not open: %v", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	m := recv(ctx, pr.t, "release-all", pr.data)
	if m.channel != wire.ChannelInput {
		pr.t.Fatalf("release-all arrived on %q, want %q", m.channel, wire.ChannelInput)
	}
}

func waitState[S comparable](ctx context.Context, t testing.TB, who string, ch chan S, want ...S) S {
	t.Helper()
	for {
		select {
		case s := <-ch:
			for _, w := range want {
				if s == w {
					return s
				}
			}
		case <-ctx.Done():
			t.Fatalf("%s never reached state %v: %v", who, want, ctx.Err())
		}
	}
}

func recv[T any](ctx context.Context, t testing.TB, what string, ch chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("no %s received: %v", what, ctx.Err())
	}
	var zero T
	return zero
}

func drain[T any](ch chan T) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

type sentFrame struct {
	data     []byte
	key      bool
	captured time.Time
}

// frameSource produces encoded frames the way the sharer's encoder does.
type frameSource interface {
	next(forceKey bool, at time.Time) (data []byte, key bool)
}

// vp8Source encodes a moving test pattern with the project's real libvpx
// encoder, so the frames crossing the pair are genuine VP8.
type vp8Source struct {
	t    testing.TB
	enc  *encode.VP8
	w, h int
	pix  []byte
	n    int
}

func newVP8Source(t testing.TB, w, h, kbps int) *vp8Source {
	t.Helper()
	enc, err := encode.NewVP8(encode.Config{Width: w, Height: h, BitrateKbps: kbps})
	if err != nil {
		t.Fatalf("encode.NewVP8() = %v", err)
	}
	t.Cleanup(func() { _ = enc.Close() })
	return &vp8Source{t: t, enc: enc, w: w, h: h, pix: make([]byte, w*h*4)}
}

func (s *vp8Source) next(forceKey bool, at time.Time) ([]byte, bool) {
	s.n++
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			o := (y*s.w + x) * 4
			s.pix[o] = byte(x + s.n*7)
			s.pix[o+1] = byte(y + s.n*3)
			s.pix[o+2] = byte((x ^ y) + s.n)
			s.pix[o+3] = 0xff
		}
	}
	for {
		b, key, err := s.enc.EncodeBGRA(s.pix, s.w*4, at, forceKey)
		if err != nil {
			s.t.Fatalf("EncodeBGRA() = %v", err)
		}
		if b != nil {
			return b, key
		}
		at = at.Add(time.Millisecond)
	}
}

// sendFrames writes n frames at a gentle pace, answering keyframe requests
// with a keyframe like the sharer does, and checks that what arrives is
// what was written: byte-equal, flags right, in order, with capture times,
// and decodable by a real VP8 decoder.
func (pr *pair) sendFrames(ctx context.Context, t testing.TB, src frameSource, n int) {
	t.Helper()
	drain(pr.frames)
	before := pr.p.Stats()
	sent := make([]sentFrame, 0, n)
	needKey := true
	for i := 0; i < n; i++ {
		select {
		case <-pr.keyReqs:
			needKey = true
		default:
		}
		f := sentFrame{captured: time.Now()}
		f.data, f.key = src.next(needKey, f.captured)
		needKey = false
		if err := pr.p.WriteFrame(f.data, f.key, f.captured); err != nil {
			t.Fatalf("WriteFrame(%d) = %v", i, err)
		}
		sent = append(sent, f)
		time.Sleep(15 * time.Millisecond)
	}
	// Every written frame is either sent or counted as dropped.
	deadline := time.Now().Add(15 * time.Second)
	var st peer.Stats
	for {
		st = pr.p.Stats()
		if st.FramesSent+st.FramesDropped-before.FramesSent-before.FramesDropped == uint64(n) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	sentNow := st.FramesSent - before.FramesSent
	if got := sentNow + st.FramesDropped - before.FramesDropped; got != uint64(n) {
		t.Fatalf("frames sent+dropped = %d, want %d", got, n)
	}
	if sentNow == 0 {
		t.Fatalf("no frame was sent (dropped %d)", st.FramesDropped-before.FramesDropped)
	}
	dec, err := encode.NewVP8Decoder()
	if err != nil {
		t.Fatalf("NewVP8Decoder() = %v", err)
	}
	defer dec.Close()
	next := 0
	for got := uint64(0); got < sentNow; got++ {
		f := recv(ctx, t, "frame", pr.frames)
		for next < len(sent) && !bytes.Equal(sent[next].data, f.Data) {
			next++ // a frame the queue dropped
		}
		if next == len(sent) {
			t.Fatalf("frame %d (%d bytes, seq %d) matches no written frame after the previous one", got, len(f.Data), f.Seq)
		}
		want := sent[next]
		if f.Keyframe != want.key {
			t.Errorf("frame %d Keyframe = %v, want %v", next, f.Keyframe, want.key)
		}
		if got == 0 && !f.Keyframe {
			t.Errorf("first frame delivered is not a keyframe")
		}
		if f.Codec != wire.CodecVP8 {
			t.Errorf("frame %d Codec = %d, want %d", next, f.Codec, wire.CodecVP8)
		}
		if d := int64(f.CaptureUsec) - want.captured.UnixMicro(); d < -1 || d > 1 {
			t.Errorf("frame %d CaptureUsec = %d, want %d", next, f.CaptureUsec, want.captured.UnixMicro())
		}
		if _, err := dec.Decode(f.Data); err != nil {
			t.Errorf("frame %d does not decode: %v", next, err)
		}
		next++
	}
}

// checkGoroutines waits for the goroutine count to settle at or below
// base, failing with a dump if it does not.
func checkGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines = %d after Close, want <= %d\n%s", n, base, buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
