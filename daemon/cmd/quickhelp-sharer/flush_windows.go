package main

import (
	"io"
	"os"

	"golang.org/x/sys/windows"
)

// terminalFlusher returns a function that discards the console's pending
// input events, or nil when r is no console.
func terminalFlusher(r io.Reader) func() {
	f, ok := r.(*os.File)
	if !ok {
		return nil
	}
	h := windows.Handle(f.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return nil
	}
	return func() { _ = windows.FlushConsoleInputBuffer(h) }
}
