//go:build !windows

package main

// attachConsole is needed only by the GUI-subsystem Windows build.
func attachConsole() {}
