package bridge

import "github.com/quickhelp/quickhelp/wire"

// Sink receives everything the backend shows to the page. The Bridge
// implements it; the session controller only ever talks to a Sink, never to
// a window runtime, so the same controller serves the desktop window and web
// mode. Implementations must not block: both calls are made from goroutines
// that carry media or signalling.
type Sink interface {
	// Event queues one JSON event for the page.
	Event(wire.BridgeEvent)
	// Frame queues one encoded video frame for the page.
	Frame(wire.Frame)
}

// RequestHandler receives what the page asks for.
type RequestHandler interface {
	// HandleRequest is called for every valid page request, in order, from
	// the page connection's reader goroutine. It may block briefly; while it
	// does the reader stops reading (backpressure to the page).
	HandleRequest(wire.BridgeRequest)
	// PageConnected is called when a page (re)connects: the handler sends
	// the current state so the page can draw it.
	PageConnected()
	// FramesDropped is called when frames were dropped for a slow page and
	// a keyframe is needed to resume decoding.
	FramesDropped()
}
