// Package viewer is the helper's WebRTC peer (the answerer). It runs in the
// app backend because the Linux webview has no RTCPeerConnection: it
// answers the sharer's offer, rebuilds complete encoded VP8 frames from RTP
// and hands them to OnFrame for the page to decode with WebCodecs, sends
// input and annotations on the sharer's data channels, and delivers the
// sharer's cursor.
//
// Frames are rebuilt by a small assembler rather than pion's samplebuilder,
// which holds every frame until a packet of the next one arrives (a frame
// interval of latency, unbounded on a static screen). The assembler releases
// a frame at its marker packet, waits a bounded time for NACK retransmissions
// to fill gaps, and then gives up. After a loss, frames are dropped until the
// next keyframe (a decoder cannot recover otherwise) and a PLI is sent, at
// most every 300 ms. Each frame's capture time comes from the
// abs-capture-time header extension set by the sharer (sharer clock; the
// latency in Stats includes any clock offset between the two machines).
//
// Signalling is internal/rtc's Signaling in the answerer role, the same
// code the sharer's peer runs as the offerer: candidates that arrive before
// the offer are buffered (bounded), and errors are internal/rtc's sentinels.
//
// Threading: pion callbacks only post events to the viewer's loop (an
// internal/rtc Loop run by the viewer's goroutine), which applies
// signalling and reports state. OnFrame runs on the media goroutine,
// OnCursor on a cursor goroutine. Config callbacks must not call Close.
package viewer
