//go:build (desktop || bindings) && linux && cgo

package main

import (
	"github.com/quickhelp/quickhelp/app"
	"github.com/quickhelp/quickhelp/app/keygrab"
)

// nativeKeyboardGrab: WebKitGTK has no Keyboard Lock API; GDK grabs.
func nativeKeyboardGrab() app.KeyboardGrabber { return keygrab.GDK{} }
