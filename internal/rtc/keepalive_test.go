package rtc

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	"github.com/pion/webrtc/v4"
)

// Two peers built as QuickHelp builds them send no STUN keep-alives once
// connected (ICEKeepalive is 0): on a still screen they cost more of the
// sharer's uplink than the picture (bench/README.md, static). The binding
// requests each side receives are counted from the connection's start.
func TestNoKeepalivesOnAConnectedPair(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var requests atomic.Int64
	newPC := func() *webrtc.PeerConnection {
		pc, err := NewPeerConnection(PeerOptions{Settings: []func(*webrtc.SettingEngine){func(se *webrtc.SettingEngine) {
			se.SetIncludeLoopbackCandidate(true)
			se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
			se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
			se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
			se.SetICEBindingRequestHandler(func(*stun.Message, ice.Candidate, ice.Candidate, *ice.CandidatePair) bool {
				requests.Add(1)
				return false // pion answers as usual
			})
		}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pc.Close() })
		return pc
	}
	off, ans := newPC(), newPC()
	connected := make(chan struct{}, 2)
	for _, pc := range []*webrtc.PeerConnection{off, ans} {
		pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
			if s == webrtc.ICEConnectionStateConnected {
				connected <- struct{}{}
			}
		})
	}
	if _, err := off.CreateDataChannel("test", nil); err != nil {
		t.Fatal(err)
	}
	// Candidates travel inside the descriptions (gathering is waited for).
	describe := func(pc *webrtc.PeerConnection, create func(*webrtc.OfferOptions) (webrtc.SessionDescription, error)) webrtc.SessionDescription {
		d, err := create(nil)
		if err != nil {
			t.Fatal(err)
		}
		done := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(d); err != nil {
			t.Fatal(err)
		}
		<-done
		return *pc.LocalDescription()
	}
	if err := ans.SetRemoteDescription(describe(off, off.CreateOffer)); err != nil {
		t.Fatal(err)
	}
	answer := describe(ans, func(*webrtc.OfferOptions) (webrtc.SessionDescription, error) { return ans.CreateAnswer(nil) })
	if err := off.SetRemoteDescription(answer); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-connected:
		case <-ctx.Done():
			t.Fatal("the peers did not connect")
		}
	}
	if requests.Load() == 0 {
		t.Fatal("no binding request counted while connecting: the counter sees nothing")
	}
	time.Sleep(500 * time.Millisecond) // the last checks of the connection
	before := requests.Load()
	time.Sleep(3 * time.Second)
	if n := requests.Load() - before; n != 0 {
		t.Errorf("%d STUN binding requests in 3 s on a connected pair; want none (no keep-alives)", n)
	}
}
