//go:build !windows

package main

// setDPIAwareness matters only on Windows: X11 coordinates are pixels.
func setDPIAwareness() (string, error) { return "", nil }
