package rtc

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	"github.com/pion/webrtc/v4"
)

// loopbackPeer builds a peer connection as QuickHelp builds it, on
// 127.0.0.1 over UDP only, counting the STUN binding requests it receives
// in requests.
func loopbackPeer(t *testing.T, requests *atomic.Int64) *webrtc.PeerConnection {
	t.Helper()
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

// onConnected returns a channel that receives once pc's ICE connects.
func onConnected(pc *webrtc.PeerConnection) <-chan struct{} {
	c := make(chan struct{}, 1)
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateConnected {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	})
	return c
}

// offerWithCandidates makes pc's offer (a data channel to negotiate) and
// returns it once gathering is complete, its candidates inside.
func offerWithCandidates(t *testing.T, pc *webrtc.PeerConnection) webrtc.SessionDescription {
	t.Helper()
	if _, err := pc.CreateDataChannel("test", nil); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return gathered(t, pc, offer)
}

// gathered sets d as pc's local description and returns it once gathering
// is complete, its candidates inside.
func gathered(t *testing.T, pc *webrtc.PeerConnection, d webrtc.SessionDescription) webrtc.SessionDescription {
	t.Helper()
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		t.Fatal(err)
	}
	<-done
	return *pc.LocalDescription()
}

func waitConnected(t *testing.T, what string, c <-chan struct{}, limit time.Duration) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(limit):
		t.Fatalf("%s did not connect within %v", what, limit)
	}
}

// Two peers built as QuickHelp builds them send no STUN keep-alives once
// connected (ICEKeepalive is 0): on a still screen they cost more of the
// sharer's uplink than the picture (bench/README.md, static). The binding
// requests each side receives are counted from the connection's start.
func TestNoKeepalivesOnAConnectedPair(t *testing.T) {
	var requests atomic.Int64
	off, ans := loopbackPeer(t, &requests), loopbackPeer(t, &requests)
	offUp, ansUp := onConnected(off), onConnected(ans)
	if err := ans.SetRemoteDescription(offerWithCandidates(t, off)); err != nil {
		t.Fatal(err)
	}
	answer, err := ans.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := off.SetRemoteDescription(gathered(t, ans, answer)); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, "the offerer", offUp, 10*time.Second)
	waitConnected(t, "the answerer", ansUp, 10*time.Second)
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

// When the answerer's checks arrive before its candidates (here they never
// come), the offerer, which chooses the pair, learns the answerer's
// address from the checks (a peer-reflexive candidate) and takes that pair
// after PrflxAcceptanceMinWait, not after pion's default second.
func TestPeerReflexivePairTakenAtOnce(t *testing.T) {
	var requests atomic.Int64
	off, ans := loopbackPeer(t, &requests), loopbackPeer(t, &requests)
	offUp := onConnected(off)
	if err := ans.SetRemoteDescription(offerWithCandidates(t, off)); err != nil {
		t.Fatal(err)
	}
	answer, err := ans.CreateAnswer(nil) // made before gathering: no candidates
	if err != nil {
		t.Fatal(err)
	}
	if err := ans.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := off.SetRemoteDescription(answer); err != nil {
		t.Fatal(err)
	}
	// pion's default waited 1 s; the checks run every 200 ms.
	waitConnected(t, "the offerer", offUp, 10*time.Second)
	if took := time.Since(start); took >= 700*time.Millisecond {
		t.Errorf("the offerer connected %v after the answer; want well under pion's 1 s wait for a peer-reflexive pair", took.Round(time.Millisecond))
	}
	if p, err := off.SCTP().Transport().ICETransport().GetSelectedCandidatePair(); err != nil || p == nil || p.Remote.Typ != webrtc.ICECandidateTypePrflx {
		t.Errorf("selected pair = %v, %v; want one with a peer-reflexive remote candidate", p, err)
	}
}
