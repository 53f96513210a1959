package peer

import (
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/quickhelp/quickhelp/internal/rtc"
)

// Stats is a snapshot of the connection's counters.
type Stats struct {
	FramesSent        uint64
	FramesDropped     uint64 // written but not sent: queue full, deltas discarded while waiting for a keyframe, or not connected
	BytesSent         uint64 // VP8 payload bytes handed to the network
	KeyframeRequests  uint64 // requests delivered to OnKeyframeRequest
	TargetBitrateKbps int
	RTT               time.Duration // from RTCP receiver reports; ICE round trips before the first one
	CursorDropped     uint64
	DataDropped       uint64 // helper messages dropped (oversized, or pointer moves while OnData lagged)
	State             rtc.State
	Path              rtc.Path // the selected ICE candidate pair
}

// Stats returns the current counters. It asks pion for RTT and may take a
// few milliseconds.
func (c *Conn) Stats() Stats {
	s := Stats{
		FramesSent:        c.framesSent.Load(),
		FramesDropped:     c.queue.droppedCount(),
		BytesSent:         c.bytesSent.Load(),
		KeyframeRequests:  c.keyRequests.Load(),
		TargetBitrateKbps: int(c.bitrate.Load() / 1000),
		CursorDropped:     c.cursor.droppedCount(),
		DataDropped:       c.dataDropped.Load(),
		State:             c.sig.State(),
	}
	if s.State == rtc.StateClosed {
		return s
	}
	s.RTT = rttOf(c.pc.GetStats())
	s.Path = rtc.SelectedPath(c.pc)
	return s
}

func rttOf(report webrtc.StatsReport) time.Duration {
	var ice time.Duration
	for _, st := range report {
		switch v := st.(type) {
		case webrtc.RemoteInboundRTPStreamStats:
			if v.RoundTripTime > 0 {
				return time.Duration(v.RoundTripTime * float64(time.Second))
			}
		case webrtc.ICECandidatePairStats:
			if v.Nominated && v.CurrentRoundTripTime > 0 {
				ice = time.Duration(v.CurrentRoundTripTime * float64(time.Second))
			}
		}
	}
	return ice
}

// pairRTT is the round trip the ICE checks measured on the selected pair
// (0: none yet), read without GetStats.
func pairRTT(pc *webrtc.PeerConnection) time.Duration {
	sctp := pc.SCTP()
	if sctp == nil || sctp.Transport() == nil || sctp.Transport().ICETransport() == nil {
		return 0
	}
	st, ok := sctp.Transport().ICETransport().GetSelectedCandidatePairStats()
	if !ok || st.CurrentRoundTripTime <= 0 {
		return 0
	}
	return time.Duration(st.CurrentRoundTripTime * float64(time.Second))
}
