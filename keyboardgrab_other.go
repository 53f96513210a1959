//go:build (desktop || bindings) && !(linux && cgo)

package main

import "github.com/quickhelp/quickhelp/app"

// nativeKeyboardGrab: no native grab here; the page uses the webview's
// Keyboard Lock API where it has one (WebView2, WKWebView).
func nativeKeyboardGrab() app.KeyboardGrabber { return nil }
