// Package gethelp is the app's "Get help" side: the SharerService turns the
// page's requests into calls to the local sharer daemon (started on demand)
// and shows the daemon's state, prompts and chat on the page through a
// bridge.Sink.
package gethelp
