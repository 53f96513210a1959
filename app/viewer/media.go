package viewer

import (
	"strings"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
	"github.com/quickhelp/quickhelp/wire"
)

// pliInterval limits automatic keyframe requests while waiting for one: the
// encoder needs a moment to produce it, and each keyframe is expensive.
// On a long path the wait grows with the round trip (keyWait): asking again
// before the first keyframe could have arrived only sends another one into
// the same bottleneck, and on a slow link keyframes then crowd out
// everything else.
const pliInterval = 300 * time.Millisecond

// keyWait is the interval between automatic keyframe requests on a path
// with round trip rtt (0 when unknown): a round trip, plus the time to send
// a keyframe, plus the time a lost packet of it takes to be repaired.
func keyWait(rtt time.Duration) time.Duration {
	return max(pliInterval, 200*time.Millisecond+lossWait(rtt)+rtt)
}

// startTrack runs on the loop goroutine when the sharer's track arrives.
func (v *Viewer) startTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	if t.Kind() != webrtc.RTPCodecTypeVideo || !strings.EqualFold(t.Codec().MimeType, webrtc.MimeTypeVP8) || v.haveTrack {
		v.log.Debug("unexpected track ignored", "kind", t.Kind().String())
		return
	}
	v.haveTrack = true
	v.ssrc.Store(uint32(t.SSRC()))
	var extID uint8
	for _, e := range r.GetParameters().HeaderExtensions {
		if e.URI == AbsCaptureTimeURI && e.ID > 0 && e.ID < 15 {
			extID = uint8(e.ID)
		}
	}
	v.wg.Go(func() { v.readTrack(t, extID) })
	v.wg.Go(func() { v.drainRTCP(r) })
}

// drainRTCP reads the receiver's RTCP: the report interceptor needs the
// sharer's sender reports to answer with correct round-trip fields.
func (v *Viewer) drainRTCP(r *webrtc.RTPReceiver) {
	for {
		if _, _, err := r.ReadRTCP(); err != nil {
			return
		}
	}
}

// readTrack rebuilds frames and hands them to OnFrame. After a loss it
// drops frames until a keyframe (a VP8 decoder cannot recover otherwise)
// and asks for one.
func (v *Viewer) readTrack(t *webrtc.TrackRemote, extID uint8) {
	var asm assembler
	var gate keyGate
	var seq uint32
	var rttAt time.Time
	pli := pliInterval
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		if now.Sub(rttAt) >= time.Second {
			// The path's round trip sets how long a gap may wait for its
			// retransmission.
			rtt := v.pathRTT()
			rttAt, asm.maxWait, pli = now, lossWait(rtt), keyWait(rtt)
		}
		v.st.packet(now, pkt.MarshalSize())
		for _, f := range asm.push(pkt, now) {
			if !gate.admit(f) {
				v.st.dropFrame()
				v.autoKeyframe(now, pli)
				continue
			}
			seq++
			out := wire.Frame{Keyframe: f.keyframe, Codec: wire.CodecVP8, Seq: seq, Data: f.data}
			latency := time.Duration(-1)
			if usec, ok := captureUsec(&f.first, extID); ok {
				out.CaptureUsec = usec
				latency = now.Sub(time.UnixMicro(int64(usec)))
			}
			v.st.frame(now, latency)
			if v.cfg.OnFrame != nil {
				v.cfg.OnFrame(out)
			}
		}
	}
}

// pathRTT is the ICE round trip of the selected candidate pair, 0 when
// unknown.
func (v *Viewer) pathRTT() time.Duration {
	for _, st := range v.pc.GetStats() {
		if x, ok := st.(webrtc.ICECandidatePairStats); ok && x.Nominated && x.CurrentRoundTripTime > 0 {
			return time.Duration(x.CurrentRoundTripTime * float64(time.Second))
		}
	}
	return 0
}

// keyGate passes frames a decoder can use: nothing before the first
// keyframe, and after a loss nothing until the next keyframe.
type keyGate struct{ synced bool }

func (g *keyGate) admit(f assembledFrame) bool {
	if f.keyframe {
		g.synced = true
		return true
	}
	if f.afterGap {
		g.synced = false
	}
	return g.synced
}

func (v *Viewer) autoKeyframe(now time.Time, interval time.Duration) {
	last := v.lastPLI.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < interval {
		return
	}
	v.lastPLI.Store(now.UnixNano())
	v.sendPLI()
}

// RequestKeyframe asks the sharer's encoder for a keyframe (RTCP PLI), for
// example when the page's decoder reported an error.
func (v *Viewer) RequestKeyframe() {
	if v.q.Closed() {
		return
	}
	v.lastPLI.Store(time.Now().UnixNano())
	v.sendPLI()
}

// SetMaxFPS asks the sharer for at most fps frames a second (0: no limit):
// the page decodes fewer than arrive. The limit is an RTCP packet, which
// may be lost: the page repeats it while it holds, and the sharer forgets
// a limit that is not repeated (daemon/sharer).
func (v *Viewer) SetMaxFPS(fps int) {
	ssrc := v.ssrc.Load()
	if v.q.Closed() || ssrc == 0 {
		return
	}
	if err := v.pc.WriteRTCP([]rtcp.Packet{rtc.MaxFPSPacket(ssrc, fps)}); err != nil {
		v.log.Debug("sending the frame-rate limit failed", "err", err)
	}
}

func (v *Viewer) sendPLI() {
	ssrc := v.ssrc.Load()
	if ssrc == 0 {
		return
	}
	v.keyRequests.Add(1)
	if err := v.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err != nil {
		v.log.Debug("sending PLI failed", "err", err)
	}
}
