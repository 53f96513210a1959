// Package keygrab holds the whole keyboard for the app's window while the
// helper's fullscreen view is open, so that system shortcuts (Alt+Tab, the
// Windows key) reach the sharer: WebKitGTK, the Linux desktop window's
// webview, has no Keyboard Lock API. On Linux it grabs through GDK's seat
// (an active keyboard grab under X11) on the GTK main loop; elsewhere there
// is nothing here and the page uses the webview's own Keyboard Lock.
package keygrab
