// Command pattern is a Windows test program for test/wine: it covers the
// screen with one borderless window painted in four known colours (red top
// left, green top right, blue bottom left, white bottom right), so a test
// can check what the sharer daemon captured, and prints the left clicks
// (window coordinates) and key presses (scan codes) it receives, so a test
// can check what the daemon injected. It runs until killed.
package main
