// Package app is the desktop app's backend: it puts the UI bridge
// (app/bridge), the helper console (app/console) and Get help (app/gethelp)
// on one loopback listener, routes each page request to its feature, and runs
// web mode ("quickhelp console") and the desktop window's binding.
package app
