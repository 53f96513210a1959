// Package rtc holds the WebRTC pieces that the sharer's peer connection
// (daemon/peer, the offerer) and the helper's (app/viewer, the answerer)
// have in common: how a PeerConnection is built (NewPeerConnection, the
// VP8 media engine, ICE servers, the pion logger adapter), the signalling
// (Signaling: offer/answer, trickle ICE with early candidates buffered,
// the connection state, DTLS fingerprints), one set of sentinel errors,
// and the event loop (Loop with Timer, Notifier and Consume). It lives
// apart from both because the app and the daemon never import each other.
//
// Threading: a peer owns one Loop and runs it on its own goroutine. pion's
// callbacks do no work inline: they only Post to the Loop (or Notify), and
// the public methods Do on it, so a connection's state changes on one
// goroutine and needs no lock. The same Loop serves the owners above the
// peers (the daemon's session, the helper console's controller, the Get
// help service): their page requests, commands and callbacks are posted to
// it and their deadlines are Timers, in place of hand-written queues and
// time.Timer fields in a select.
package rtc
