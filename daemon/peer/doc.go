// Package peer is the sharer's WebRTC connection (the offerer): one VP8
// video track to the helper and the input, pointer, annotate and cursor data
// channels, with send-side congestion control and keyframe requests.
//
// Signalling is the caller's: Config.Signal sends offers and candidates,
// HandleSignal takes answers and candidates. The offer/answer and
// trickle-ICE half is internal/rtc's Signaling in the offerer role, the same
// code the helper's viewer runs as the answerer: remote candidates that
// arrive before the answer are buffered (bounded), an ICE restart drops
// those of the old generation, and errors are internal/rtc's sentinels.
//
// Threading: pion callbacks only post events to the connection's own loop
// (an internal/rtc Loop run by the connection's goroutine), which applies
// signalling, reports state and calls OnKeyframeRequest and OnBitrate;
// OnData runs on a separate dispatcher and frames go out from a writer, so
// a slow Signal never delays input or media. Config callbacks must not call
// Close.
//
// Media: WriteFrame feeds a queue of two frames; when full the oldest
// non-keyframe is dropped, and because later VP8 deltas depend on it, deltas
// are discarded until the next keyframe, which is requested at once. The
// track packetises VP8 itself (pion's VP8 payloader) so that the first packet
// of every frame carries the abs-capture-time header extension
// (AbsCaptureTimeURI) with the capture time passed to WriteFrame; the RTP
// timestamp follows the same capture times on the 90 kHz clock. The helper
// reads it back to show glass-to-glass latency.
//
// Congestion control is pion's send-side GCC over transport-wide CC
// feedback for its delay-based estimate, with a loss rule of its own
// (rate.go) instead of GCC's: loss counts as congestion only above the
// path's standing loss, so steady random loss does not hold the rate at
// the minimum; and the target stays within 1.5 × what was sent in the last
// second (not below the initial rate), so an encoder that sends less than
// its target does not let the estimate climb past what the path carried.
// The target goes to OnBitrate for the encoder and is the one
// pion's NACK responder budgets retransmissions by (config.go's
// estimator). GCC's own pacer is a no-op on purpose (see
// addCongestionControl); the track writer paces each frame at 1.5 × the
// target instead (pace.go), and Backlog lets the capture loop wait for it.
// The default interceptors add the NACK responder, RTCP reports and stats;
// every retransmission is sent twice (resend.go); PLI and FIR become
// OnKeyframeRequest.
//
// Data channels: input and annotate are reliable and ordered; pointer is
// unordered with no retransmits (a lost move is superseded by the next);
// cursor is reliable and ordered so shapes always arrive, with positions
// coalesced under backpressure (SendCursor).
package peer
