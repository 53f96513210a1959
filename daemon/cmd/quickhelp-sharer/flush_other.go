//go:build !linux && !windows

package main

import "io"

// terminalFlusher: on other systems only lines already read are discarded.
func terminalFlusher(io.Reader) func() { return nil }
