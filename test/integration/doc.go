// Package integration holds the tests that run both programs together: the
// app's helper console, Get help and receiving peer (app/...) against the
// real sharer daemon and its peer (daemon/...), with a real service on
// loopback. Unit tests of app/... and daemon/... stay in their packages and
// never import the other side, so app/... tests build without cgo.
//
// Tests that neither count goroutines, set the environment nor use the X
// display run in parallel (bounded by -parallel); the others run first, one
// at a time. Xvfb display numbers reserved for this package: 100 (every test
// with a real X screen; they never call t.Parallel) and 101
// (BenchmarkAllowToFirstFrame).
package integration
