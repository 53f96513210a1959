//go:build race

package server

// raceEnabled: the race detector slows the pure-Go SQLite ~50-fold.
const raceEnabled = true
