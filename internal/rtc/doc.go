// Package rtc holds the WebRTC pieces that the sharer's peer connection
// (daemon/peer, the offerer) and the helper's (app/viewer, the answerer)
// have in common: the signalling (Signaling: offer/answer, trickle ICE with
// early candidates buffered, the connection state, DTLS fingerprints), one
// set of sentinel errors, the event loop that serialises pion callbacks
// (Loop, with its Timer and Consume), the pion logger adapter, ICE server
// and candidate conversion, and the VP8 media engine. It lives apart from
// both because the app and the daemon never import each other.
//
// Threading: a peer owns one Loop and runs it on its own goroutine. pion's
// callbacks do no work inline: they only Post to the Loop, and the public
// methods Do on it, so a connection's state changes on one goroutine and
// needs no lock.
package rtc
