//go:build tools

// Package tools pins the Wails CLI with a golang.org/x/tools that builds
// under current Go releases (the version Wails v2.9.2 asks for does not).
package tools

import _ "github.com/wailsapp/wails/v2/cmd/wails"
