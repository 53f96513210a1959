// Package console is the helper console, the "Help someone" side of the
// app: the Controller signs the helper in, creates a code, joins the service
// session with the receiving peer (app/viewer) and shows it all on the page
// through a bridge.Sink.
package console
