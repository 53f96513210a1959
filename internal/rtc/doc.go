// Package rtc holds the WebRTC pieces that the sharer's peer connection
// (daemon/peer) and the helper's (app/viewer) have in common: the connection
// state, the event loop that serialises pion callbacks, the pion logger
// adapter, ICE server and candidate conversion, and the VP8 media engine.
// It lives apart from both because the app and the daemon never import each
// other.
package rtc
