package main

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// terminalFlusher returns a function that discards the input a terminal
// holds but nobody has read yet (TCIFLUSH), or nil when r is no terminal.
func terminalFlusher(r io.Reader) func() {
	f, ok := r.(*os.File)
	if !ok {
		return nil
	}
	fd := int(f.Fd())
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
		return nil
	}
	return func() { _ = unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH) }
}
